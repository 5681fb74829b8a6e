// A compressed-echo server for bench/deflate.bench.mjs, run by Node:
//   node deflate-server.mjs wsframe <mode> [level]   wsframe, `perMessageDeflate: { mode, level }` (this checkout's
//                                                    build/, or the build directory WSFRAME_BUILD names, for an A/B)
//   node deflate-server.mjs ws                       ws, `perMessageDeflate: true` (its defaults)
// Echoes text as text, binary as binary. Reports {port} over IPC once listening, then
// answers 'gc' after a garbage collection (the parent reads RSS from /proc), exits on 'exit'.
import { createRequire } from 'node:module';

const [kind, mode, level] = process.argv.slice(2);
let server;
if (kind === 'wsframe') {
  const build = process.env.WSFRAME_BUILD ? new URL(`file://${process.env.WSFRAME_BUILD}/`) : new URL('../../build/', import.meta.url);
  const { createEchoServer } = await import(new URL('esm/server/index.js', build).href);
  server = createEchoServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { mode, ...(level ? { level: Number(level) } : {}) } });
} else {
  const { WebSocketServer } = createRequire(import.meta.url)('ws');
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
}
await new Promise((resolve) => server.once('listening', resolve));
process.send({ port: server.address().port });
process.on('message', (m) => {
  if (m === 'exit') process.exit(0);
  if (m === 'gc') {
    globalThis.gc?.();
    process.send({ collected: true });
  }
});
