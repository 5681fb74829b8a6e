// The Bun.serve anchor for bench/echo.bench.mjs, run by Bun (uWebSockets, C++):
// echoes text as text and binary as binary, no compression, the same payload
// limit as the Node servers. Prints {"port": N} on stdout once listening and
// runs until killed (its CPU time is read from /proc by the parent).
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response('WebSocket only', { status: 426 });
  },
  websocket: {
    maxPayloadLength: 100 * 1024 * 1024,
    perMessageDeflate: false,
    // A string arrives for text and is sent back as text; a Buffer as binary.
    message(ws, message) {
      ws.send(message);
    },
  },
});
console.log(JSON.stringify({ port: server.port, addons: `Bun ${Bun.version} (uWebSockets)` }));
