// The Bun.serve anchor for bench/echo.bench.mjs, run by Bun (uWebSockets, C++):
// echoes text as text and binary as binary, the same payload limit as the Node
// servers. No compression, unless started with the argument `deflate`
// (bench/deflate.bench.mjs): then `perMessageDeflate: true` and every echo is
// sent compressed (`ws.send(m, true)`). Prints {"port": N} on stdout once
// listening and runs until killed (its CPU time and RSS are read from /proc by
// the parent; a GET /gc collects garbage first).
const deflate = process.argv[2] === 'deflate';
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    if (new URL(req.url).pathname === '/gc') {
      Bun.gc(true);
      return new Response('collected');
    }
    return new Response('WebSocket only', { status: 426 });
  },
  websocket: {
    maxPayloadLength: 100 * 1024 * 1024,
    perMessageDeflate: deflate,
    // A string arrives for text and is sent back as text; a Buffer as binary.
    message(ws, message) {
      ws.send(message, deflate);
    },
  },
});
console.log(JSON.stringify({ port: server.port, addons: `Bun ${Bun.version} (uWebSockets)` }));
