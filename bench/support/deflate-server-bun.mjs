// The Bun.serve anchor for bench/deflate.bench.mjs, run by Bun: perMessageDeflate on, every echo
// sent compressed (`ws.send(m, true)`). Prints {"port": N}, then answers "rss" lines on stdin.
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response('WebSocket only', { status: 426 });
  },
  websocket: {
    maxPayloadLength: 100 * 1024 * 1024,
    perMessageDeflate: true,
    message(ws, message) {
      ws.send(message, true);
    },
  },
});
console.log(JSON.stringify({ port: server.port }));
for await (const line of console) {
  if (line.trim() === 'rss') {
    Bun.gc(true);
    console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
  }
}
