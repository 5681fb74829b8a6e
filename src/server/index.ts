/**
 * wsframe/server: a WebSocket server and client for Node.js on the wsframe
 * codec, with ws's API. See docs/server.md.
 *
 * ESM side, shaped as ws's: `import WebSocket, { WebSocketServer } from
 * 'wsframe/server'`; the default export is the `WebSocket` class carrying the
 * rest as statics (ws-shape.ts). The CommonJS side is index.cts.
 */
import type { WebSocket as Base } from './websocket.js';
import { WebSocket as WithStatics } from './ws-shape.js';

/** The WebSocket class (value) and a connection (type). */
const WebSocket = WithStatics;
type WebSocket = Base;

export { WebSocket };
export default WebSocket;
export { type ConnectionOptions, type Data } from './websocket.js';
export { WebSocketServer, createServer, type ServerOptions, type Request, type VerifyInfo, type VerifyCallback } from './server.js';
export { connect } from './connect.js';
export type { ClientOptions } from './client.js';
export { HandshakeError, acceptKey } from './handshake.js';
export { createEchoServer } from './echo.js';
