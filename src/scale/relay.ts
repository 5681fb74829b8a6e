/**
 * A fan-out relay: a client that connects to `/<topic>` is subscribed to
 * `<topic>`, and every message it sends goes to every other subscriber of
 * that topic (never back to the sender), text as text, binary as binary, in
 * the order sent. What `wsframe relay` runs.
 */
import { createServer, type Request, type ServerOptions, type WebSocketServer } from '../server/server.js';
import type { IncomingMessage } from 'node:http';

/** The topic of a request: its path without the leading '/' and the query, percent-decoded. */
export function topicOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0];
  try {
    return decodeURIComponent(path.slice(1));
  } catch {
    return path.slice(1); // not valid percent-encoding: the path as it is
  }
}

/** Creates a relay server (see the module comment); `options` as `createServer`'s. */
export function createRelayServer(options: ServerOptions, onListening?: () => void): WebSocketServer {
  const server = createServer({ ...options, handleProtocols: () => false }, onListening);
  server.on('connection', (ws, req: Request | IncomingMessage) => {
    const topic = topicOf(req.url);
    ws.subscribe(topic);
    ws.on('message', (data, isBinary) => ws.publish(topic, data, { binary: isBinary }));
  });
  return server;
}
