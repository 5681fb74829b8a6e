// The server's JavaScript per echoed message, in process, with no syscalls, for
// bench/results/echo-profile.md: the real `Connection.onRead` on a batch of
// masked frames placed in the I/O region, the echo listener, `send`, and the
// flush into a Duplex that discards. Several builds load side by side in one
// process (each has its own WASM instance) and their rounds alternate; prints
// the min and median CPU time per message of 15 rounds for each:
//   node bench/support/echo-inproc.mjs <ascii|mixed|binary> <size> <batches per round> [buildDir ...]
// (buildDir defaults to this checkout's build/). The connection writes into a
// Duplex that discards (support/inproc-echo.mjs).
// With ECHO_INPROC_COUNT=N (one build), it warms up, runs N batches once and
// exits, for instruction counts that the machine's load does not touch: the
// difference of two counts under cachegrind, divided by the messages between them:
//   ECHO_INPROC_COUNT=1000 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
//     node --single-threaded bench/support/echo-inproc.mjs binary 16 0   (then 3000; Ir difference / (2000 × 32))
import { randomBytes } from 'node:crypto';
import { payload } from './payloads.mjs';
import { inprocEcho } from './inproc-echo.mjs';
const [kind, sizeArg, perRound, ...given] = process.argv.slice(2);
const builds = given.length > 0 ? given : [new URL('../../build', import.meta.url).pathname];
const size = Number(sizeArg);
function frame() {
  const data = payload(kind, size);
  const first = kind === 'binary' ? 0x82 : 0x81;
  const header = size < 126 ? Buffer.from([first, 0x80 | size]) : Buffer.from([first, 0x80 | 126, size >> 8, size & 0xff]);
  const key = randomBytes(4);
  for (let i = 0; i < size; i++) data[i] ^= key[i & 3];
  return Buffer.concat([header, key, data]);
}
const batch = Buffer.concat(Array.from({ length: Math.max(1, Math.min(32, Math.floor(65536 / (size + 8)))) }, frame));
const perBatch = batch.length / (frame().length);
const setups = [];
for (const build of builds) {
  const { WebSocket } = await import(`${build}/esm/server/index.js`);
  const { io } = await import(`${build}/esm/codec/wasm.js`);
  const onRead = inprocEcho(WebSocket, (ws) => (data, isBinary) => ws.send(data, { binary: isBinary }));
  const run = (n) => { for (let i = 0; i < n; i++) { io.set(batch); onRead(batch.length); } };
  run(5000);
  setups.push({ build, run, samples: [] });
}
if (process.env.ECHO_INPROC_COUNT) {
  // The warm-up above ran at once; give the optimizing compiler's results a few turns to land first.
  for (let i = 0; i < 5; i++) await new Promise((res) => setTimeout(res, 20));
  setups[0].run(Number(process.env.ECHO_INPROC_COUNT));
  process.exit(0);
}
const n = Number(perRound);
for (let r = 0; r < 15; r++) for (const s of setups) {
  const c0 = process.cpuUsage();
  s.run(n);
  const c = process.cpuUsage(c0);
  s.samples.push(((c.user + c.system) * 1000) / n / perBatch);
  await new Promise((res) => setImmediate(res));
}
for (const s of setups) {
  const v = s.samples.sort((a, b) => a - b);
  console.log(`${kind} ${size} B  ${s.build}: ns/msg min ${v[0].toFixed(1)} median ${v[7].toFixed(1)}`);
}
