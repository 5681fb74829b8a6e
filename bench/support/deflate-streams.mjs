// The WASM stream (dedicated mode's compressor) alone, in one process, as a busy server uses it: 16 streams taking
// turns, each compressing a batch of the deflate bench's JSON-like messages per turn (each cycling through 64
// different ones, so no message is in its own window), optionally with other memory touched between turns (what
// the rest of a server does to the caches between a connection's reads). One or more builds side by side, their
// windows alternating (an A/B in one process), for docs/server.md's permessage-deflate section:
//   node bench/support/deflate-streams.mjs <build dir> [<build dir> ...]
// Environment: SIZE (message bytes, 1024), BATCH (messages per turn, 8), THRASH (bytes touched between turns, 0),
// LEVEL (2), BITS (window bits, 15), WINDOWS (measured windows per build, 15).
// Prints, per build, the minimum, first quartile and median time per message over the windows (the compress calls
// only, not the touching of other memory: CPU time per turn, from getrusage, whose own cost, about 1 µs per turn of
// 8 messages, is included), and the bytes.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { jsonPayload } from './deflate-payload.mjs';

const env = process.env;
const [SIZE, BATCH, THRASH, LEVEL, BITS, WINDOWS] = [['SIZE', 1024], ['BATCH', 8], ['THRASH', 0], ['LEVEL', 2], ['BITS', 15], ['WINDOWS', 15]].map(([name, value]) => Number(env[name] ?? value));
const STREAMS = 16;
/** Turns of all the streams per measured window. */
const TURNS = 60;
const messages = Array.from({ length: 64 }, (_, i) => jsonPayload(SIZE, 1000 + i));
const other = new Uint8Array(Math.max(THRASH, 1));

const builds = [];
for (const dir of process.argv.slice(2)) {
  const { wasmStream } = await import(pathToFileURL(path.resolve(dir, 'esm/codec/deflate/wasm-compressor.js')).href);
  const streams = Array.from({ length: STREAMS }, () => wasmStream(LEVEL, BITS));
  builds.push({ dir, streams, next: streams.map((_, i) => (i * 7) % 64), times: [], bytes: 0 });
}
if (builds.length === 0) throw new Error('usage: node bench/support/deflate-streams.mjs <build dir> [<build dir> ...]');

/** Runs `n` turns of every stream; returns the CPU microseconds spent compressing. */
function turns(build, n) {
  const sink = (piece) => (build.bytes += piece.length);
  let spent = 0;
  for (let t = 0; t < n; t++) {
    for (let s = 0; s < STREAMS; s++) {
      const start = process.cpuUsage();
      for (let j = 0; j < BATCH; j++) build.streams[s].compress(messages[build.next[s]++ % 64], sink);
      const { user, system } = process.cpuUsage(start);
      spent += user + system;
      for (let i = 0; i < THRASH; i += 64) other[i]++;
    }
  }
  return spent;
}

for (const build of builds) turns(build, 100); // warm: JIT, and every stream's window full
const perWindow = TURNS * STREAMS * BATCH;
for (let w = 0; w < WINDOWS; w++) {
  for (const build of builds) {
    build.bytes = 0;
    build.times.push(turns(build, TURNS) / perWindow);
  }
}
for (const { dir, times, bytes } of builds) {
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.floor(q * (times.length - 1))].toFixed(2);
  console.log(`${dir}: ${at(0)} / ${at(0.25)} / ${at(0.5)} µs per message (min / q1 / median of ${WINDOWS}), ${(bytes / perWindow).toFixed(1)} B each; ${SIZE} B messages, ${BATCH} per turn, ${THRASH} B touched between turns, level ${LEVEL}, ${BITS} window bits`);
}
