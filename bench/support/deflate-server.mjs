// A compressed-echo server for bench/deflate.bench.mjs, run by Node:
//   node deflate-server.mjs wsframe|ws [mode]
// wsframe: `perMessageDeflate: { mode }` (default shared); ws: `perMessageDeflate: true` (its
// defaults). Echoes text as text, binary as binary. Prints nothing; reports {port} over IPC, then
// answers 'rss' with its resident set size after a GC, and exits on 'exit'.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [kind, mode = 'shared'] = process.argv.slice(2);
let server;
if (kind === 'wsframe') {
  const { createEchoServer } = await import('../../build/esm/server/index.js');
  server = createEchoServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { mode } });
} else {
  const { WebSocketServer } = require('ws');
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
}
await new Promise((resolve) => server.once('listening', resolve));
process.send({ port: server.address().port });
process.on('message', (m) => {
  if (m === 'exit') process.exit(0);
  if (m === 'rss') {
    globalThis.gc?.();
    process.send({ rss: process.memoryUsage().rss });
  }
});
