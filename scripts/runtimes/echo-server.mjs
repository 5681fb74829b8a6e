// The WebSocket echo server Chromium's real `WebSocket` talks to: wsframe's
// own server (wsframe/server) on an http server that also serves a blank page,
// so the browser connects from the server's own origin (Chromium keeps pages
// off loopback servers of other origins).
import { createServer } from 'node:http';
import { WebSocketServer } from 'wsframe/server';

/**
 * Starts an echo server on 127.0.0.1 (random port); `options` go to the
 * `WebSocketServer` (e.g. `perMessageDeflate`).
 * @returns {Promise<{ url: string, page: string, name: string, port: number, close(): Promise<void> }>}
 */
export async function startEchoServer(options = {}) {
  const http = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>wsframe</title>');
  });
  const server = new WebSocketServer({ server: http, ...options });
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `127.0.0.1:${http.address().port}`;
  return {
    url: `ws://${origin}/`,
    page: `http://${origin}/`,
    name: 'wsframe/server WebSocketServer',
    port: http.address().port,
    close: () => new Promise((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => http.close(() => resolve()));
    }),
  };
}
