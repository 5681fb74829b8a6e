/**
 * wsframe/server: a WebSocket server and client for Node.js on the wsframe
 * codec, with an API close to ws's. See docs/server.md.
 */
export { WebSocket, type ConnectionOptions, type Data } from './websocket.js';
export { WebSocketServer, createServer, type ServerOptions, type Request, type VerifyInfo, type VerifyCallback } from './server.js';
export { connect } from './connect.js';
export type { ClientOptions } from './client.js';
export { HandshakeError, acceptKey } from './handshake.js';
export { createEchoServer } from './echo.js';
