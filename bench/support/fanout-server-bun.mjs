// The Bun.serve anchor for bench/fanout.bench.mjs, run by Bun (uWebSockets):
// every client subscribes to one topic and ws.publish sends each message to
// every subscriber but its sender. Prints {"port": N} on stdout once listening.
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response('WebSocket only', { status: 426 });
  },
  websocket: {
    perMessageDeflate: false,
    open(ws) {
      ws.subscribe('bench');
    },
    message(ws, message) {
      ws.publish('bench', message);
    },
  },
});
console.log(JSON.stringify({ port: server.port, version: Bun.version }));
