// An echo server child for bench/echo.bench.mjs: `node echo-server.mjs <kind>`
// with kind wsframe | ws (ws picks native add-ons or pure JS from the env the
// parent sets; wsframe comes from this checkout's build/, or from the build
// directory WSFRAME_BUILD names, for an A/B of two builds). Every kind echoes text as text and binary as binary, with no
// compression. Talks to the parent over IPC: sends { port, addons } once
// listening; answers 'usage' with CPU time and memory (after a GC).
import { createRequire } from 'node:module';

const kind = process.argv[2];
const require = createRequire(import.meta.url);
const maxPayload = 100 * 1024 * 1024;

function addons() {
  if (kind === 'wsframe') return 'none (WASM)';
  const found = [];
  if (!process.env.WS_NO_BUFFER_UTIL) {
    try {
      require('bufferutil');
      found.push('bufferutil');
    } catch {}
  }
  return found.length ? found.join(', ') : 'none (pure JS)';
}

let server;
let port;
if (kind === 'wsframe') {
  const build = process.env.WSFRAME_BUILD ? new URL(`file://${process.env.WSFRAME_BUILD}/`) : new URL('../../build/', import.meta.url);
  const { createEchoServer } = await import(new URL('esm/server/index.js', build).href);
  server = createEchoServer({ port: 0, host: '127.0.0.1', maxPayload });
  await new Promise((resolve) => server.once('listening', resolve));
  port = server.address().port;
} else if (kind === 'ws') {
  const { WebSocketServer } = require('ws');
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload, perMessageDeflate: false });
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise((resolve) => server.once('listening', resolve));
  port = server.address().port;
} else {
  throw new Error(`unknown server kind ${kind}`);
}

process.on('message', async (message) => {
  if (message === 'usage') {
    if (global.gc) {
      global.gc();
      await new Promise((resolve) => setTimeout(resolve, 50));
      global.gc();
    }
    const memory = process.memoryUsage();
    process.send({ cpu: process.cpuUsage(), rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external + memory.arrayBuffers, clients: server.clients.size });
  } else if (message === 'exit') process.exit(0);
});
process.send({ port, addons: addons() });
