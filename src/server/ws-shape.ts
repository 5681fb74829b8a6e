/**
 * ws's module shape: `require('ws')` is the `WebSocket` class, carrying the
 * rest of the API as static properties (`WebSocket.WebSocketServer`,
 * `WebSocket.Server`, …), and ws's ESM wrapper default-exports that same
 * class. Both of our entry points (index.ts, index.cts) export this one object.
 * ws's `Receiver`, `Sender`, `PerMessageDeflate`, `extension` and
 * `subprotocol` statics are its internals and are not offered.
 */
import { connect } from './connect.js';
import { createEchoServer } from './echo.js';
import { HandshakeError, acceptKey } from './handshake.js';
import { WebSocketServer, createServer } from './server.js';
import { WebSocket as Base } from './websocket.js';

const statics = {
  WebSocket: Base,
  WebSocketServer,
  /** ws's older name for `WebSocketServer`. */
  Server: WebSocketServer,
  createServer,
  connect,
  createEchoServer,
  HandshakeError,
  acceptKey,
};

/** The `WebSocket` class with the module's API as statics (one object, shared by every import of it). */
export const WebSocket: typeof Base & typeof statics = Object.assign(Base, statics);
