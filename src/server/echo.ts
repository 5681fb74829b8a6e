import { createServer, type ServerOptions, type WebSocketServer } from './server.js';

// Send options made once: `send` only reads them.
const BINARY = { binary: true };
const TEXT = { binary: false };

/**
 * An echo server: text back as text, binary as binary; no extensions, no
 * subprotocols. What `wsframe echo` runs, and what the conformance suite tests.
 */
export function createEchoServer(options: ServerOptions, onListening?: () => void): WebSocketServer {
  const server = createServer({ ...options, handleProtocols: () => false }, onListening);
  server.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, isBinary ? BINARY : TEXT));
  });
  return server;
}
