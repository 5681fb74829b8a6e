// The relay's work per delivery, in process, with no sockets: one publisher and
// SUBSCRIBERS subscribers of one topic, each a server-side WebSocket of a wsframe
// build attached to a Duplex that discards its writes (support/inproc-echo.mjs: they
// complete synchronously, as a plain socket's do when the kernel takes every byte).
// A round decodes a burst of 64 masked 16 B binary frames on the publisher's
// connection (one read), whose listener publishes each, then lets the event loop turn
// so the topics' per-iteration flush writes once per subscriber: what the relay of
// bench/fanout.bench.mjs does per burst, less the kernel. Several builds load side by
// side and their rounds alternate; prints the median CPU time per delivery of 15 rounds:
//   node bench/support/fanout-inproc.mjs <bursts per round> [buildDir ...]
// With FANOUT_INPROC_COUNT=N (one build) it warms up, runs N bursts once and exits, for
// instruction counts that load does not touch (the difference of two counts under
// cachegrind, divided by the deliveries between them):
//   FANOUT_INPROC_COUNT=200 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
//     node --single-threaded bench/support/fanout-inproc.mjs 0 build   (then 1200; Ir difference / (1000 × 64 × 100))
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';

const SUBSCRIBERS = Number(process.env.FANOUT_INPROC_SUBSCRIBERS ?? 100);
const BURST = 64;
const SIZE = 16;
const [perRound, ...given] = process.argv.slice(2);
const builds = given.length > 0 ? given.map((dir) => resolve(dir)) : [new URL('../../build', import.meta.url).pathname];
const built = (build, file) => import(pathToFileURL(`${build}/esm/${file}`).href);

function frame() {
  const key = randomBytes(4);
  const data = randomBytes(SIZE);
  for (let i = 0; i < SIZE; i++) data[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from([0x82, 0x80 | SIZE]), key, data]);
}
const burst = Buffer.concat(Array.from({ length: BURST }, frame));

/** A server-side connection of `WebSocket` on a discarding Duplex, tracked by `server` (its topics). */
function attach(WebSocket, server) {
  const sink = new Duplex({ read() {}, write(chunk, enc, cb) { cb(); } });
  sink.setNoDelay = () => {};
  sink.setTimeout = () => {};
  const ws = new WebSocket();
  ws._connection.attach(sink, { role: 'server', protocol: '', extension: null, head: new Uint8Array(0), options: {}, tracker: null, budget: null });
  ws._connection.plainSocket = true; // private in TypeScript only: the send fast path, as on a net.Socket
  ws._topics = server;
  return ws;
}

const setups = [];
for (const build of builds) {
  const { WebSocket, createServer } = await built(build, 'server/index.js');
  const { io } = await built(build, 'codec/wasm.js');
  const server = createServer({ noServer: true });
  for (let s = 0; s < SUBSCRIBERS; s++) attach(WebSocket, server).subscribe('t');
  const publisher = attach(WebSocket, server);
  publisher.subscribe('t');
  publisher.on('message', (data, isBinary) => publisher.publish('t', data, { binary: isBinary }));
  const conn = publisher._connection;
  const onRead = conn.onRead.bind(conn);
  const run = async (n) => {
    // One burst per event-loop iteration, as a socket read would come.
    for (let i = 0; i < n; i++) {
      io.set(burst);
      onRead(burst.length);
      await new Promise((next) => setImmediate(next));
    }
  };
  await run(2000);
  setups.push({ build, run, samples: [] });
}
if (process.env.FANOUT_INPROC_COUNT) {
  for (let i = 0; i < 5; i++) await new Promise((next) => setTimeout(next, 20));
  await setups[0].run(Number(process.env.FANOUT_INPROC_COUNT));
  process.exit(0);
}
const n = Number(perRound);
for (let r = 0; r < 15; r++) {
  for (const s of setups) {
    const c0 = process.cpuUsage();
    await s.run(n);
    const c = process.cpuUsage(c0);
    s.samples.push(((c.user + c.system) * 1000) / (n * BURST * SUBSCRIBERS));
  }
}
for (const s of setups) {
  const v = s.samples.sort((a, b) => a - b);
  console.log(`fan-out 16 B, ${SUBSCRIBERS} subscribers, ${s.build}: ns/delivery min ${v[0].toFixed(2)} median ${v[7].toFixed(2)}`);
}
