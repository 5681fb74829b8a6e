// The load generator child for bench/deflate.bench.mjs:
//   node deflate-load.mjs <port> <connections> <window> <size> <seconds>
// Opens raw WebSockets offering `permessage-deflate; client_no_context_takeover` and keeps
// `window` compressed JSON-like text messages of `size` bytes in flight per connection, cycling
// through DISTINCT different messages (identical ones would flatter compressors with context
// takeover). Counts echoes: how many, how many came back compressed (RSV1), and the bytes the
// server wrote. Reports 'warm', then, told to go, the measured window.
import { compressedFrame, jsonPayload, openDeflate } from './deflate-payload.mjs';

const [port, connections, window, size, seconds] = process.argv.slice(2, 7).map(Number);
const WARMUP_MS = 500;
const DISTINCT = 64;

const frames = Array.from({ length: DISTINCT }, (_, i) => compressedFrame(jsonPayload(size, 1000 + i)));
let measuring = false;
let messages = 0;
let compressed = 0;
let wire = 0;

/** Sends `count` frames, continuing the cycle from `next`; returns where it stopped. */
function send(socket, count, next) {
  socket.cork();
  for (let i = 0; i < count; i++) socket.write(frames[(next + i) % DISTINCT]);
  socket.uncork();
  return (next + count) % DISTINCT;
}

/** Parses the server's frames (headers only, across reads) and answers every echo with a new message. */
function drive(socket, first) {
  let skip = 0;
  let partial = null;
  let next = send(socket, window, first);
  socket.on('data', (chunk) => {
    if (measuring) wire += chunk.length;
    if (partial !== null) {
      chunk = Buffer.concat([partial, chunk]);
      partial = null;
    }
    let at = 0;
    let done = 0;
    while (at < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        skip -= n;
        at += n;
        if (skip === 0) done++;
        continue;
      }
      // A header is 2, 4 or 10 bytes (by its 7-bit length); a split one waits for the next read.
      const short = chunk.length - at >= 2 ? chunk[at + 1] & 0x7f : 0;
      const h = short < 126 ? 2 : short === 126 ? 4 : 10;
      if (chunk.length - at < h) {
        partial = chunk.subarray(at);
        break;
      }
      const n = short < 126 ? short : short === 126 ? chunk.readUInt16BE(at + 2) : chunk.readUInt32BE(at + 6);
      if (measuring && chunk[at] & 0x40) compressed++;
      at += h;
      if (n === 0) done++;
      else skip = n;
    }
    if (done === 0) return;
    if (measuring) messages += done;
    next = send(socket, done, next);
  });
}

const sockets = await Promise.all(Array.from({ length: connections }, () => openDeflate(port, 'permessage-deflate; client_no_context_takeover')));
sockets.forEach((socket, i) => drive(socket, (i * 7) % DISTINCT));
await new Promise((r) => setTimeout(r, WARMUP_MS));
process.send('warm');
await new Promise((resolve) => process.once('message', resolve));
measuring = true;
const start = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const elapsed = (performance.now() - start) / 1000;
process.send({ messages, compressed, wire, seconds: elapsed });
for (const s of sockets) s.destroy();
process.exit(0);
