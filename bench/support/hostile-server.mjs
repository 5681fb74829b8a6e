// A server child for bench/hostile.bench.mjs: `node hostile-server.mjs <kind> [options JSON]`
// with kind wsframe | ws, at its defaults unless options say otherwise (maxPayload
// 100 MiB for both). Echoes text as text and binary as binary. Talks to the parent
// over IPC: sends { port } once listening; answers 'rss' with the resident set
// size now, 'gc' with it after two full collections, 'pauses' with what held
// its event loop since the last 'pauses' (its collections of 1 ms or more, on
// the wall clock, and the event loop's longest delay), 'exit' by exiting.
import { createRequire } from 'node:module';
import { PerformanceObserver, constants, monitorEventLoopDelay, performance } from 'node:perf_hooks';

const kind = process.argv[2];
const options = JSON.parse(process.argv[3] ?? '{}');
const require = createRequire(import.meta.url);

let server;
if (kind === 'wsframe') {
  const { createServer } = await import('../../build/esm/server/index.js');
  server = createServer({ port: 0, host: '127.0.0.1', ...options });
} else if (kind === 'ws') {
  const { WebSocketServer } = require('ws');
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, ...options });
} else {
  throw new Error(`unknown server kind ${kind}`);
}
server.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
await new Promise((resolve) => server.once('listening', resolve));

const KIND = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks' };
/** Collections of 1 ms or more since the last 'pauses': wall-clock start (ms since the epoch, as the parent's clock) and length. */
const collections = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.duration >= 1) collections.push({ at: performance.timeOrigin + e.startTime, ms: e.duration, kind: KIND[e.detail?.kind] ?? String(e.detail?.kind) });
}).observe({ entryTypes: ['gc'] });
/** Sampled every ms once the parent first asks for 'pauses' (the partial-message rounds), not in the other probes. */
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

process.on('message', async (message) => {
  if (message === 'gc' && global.gc) {
    for (let i = 0; i < 2; i++) {
      global.gc();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  if (message === 'exit') process.exit(0);
  if (message === 'pauses') {
    process.send({ collections: collections.splice(0), loopDelayMaxMs: loopDelay.max / 1e6 });
    loopDelay.reset();
    loopDelay.enable();
    return;
  }
  process.send({ rss: process.memoryUsage.rss(), clients: server.clients.size });
});
process.send({ port: server.address().port });
