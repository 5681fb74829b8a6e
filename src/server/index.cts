/**
 * wsframe/server, CommonJS side, shaped as ws's: `module.exports` is the
 * `WebSocket` class, carrying the rest of the API as statics, so
 * `const WebSocket = require('wsframe/server')` and
 * `const { WebSocketServer } = require('wsframe/server')` both work as with
 * ws. Types: `import WebSocket = require('wsframe/server')` gives the class
 * (value) and a connection (type); the option types are in the namespace.
 */
import type * as client from './client.js';
import type * as server from './server.js';
import type * as websocket from './websocket.js';
import { WebSocket as WithStatics } from './ws-shape.js';

const WebSocket = WithStatics;
type WebSocket = websocket.WebSocket;
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace WebSocket {
  export type WebSocketServer = server.WebSocketServer;
  export type ServerOptions = server.ServerOptions;
  export type Request = server.Request;
  export type VerifyInfo = server.VerifyInfo;
  export type VerifyCallback = server.VerifyCallback;
  export type ClientOptions = client.ClientOptions;
  export type ConnectionOptions = websocket.ConnectionOptions;
  export type Data = websocket.Data;
}

export = WebSocket;
