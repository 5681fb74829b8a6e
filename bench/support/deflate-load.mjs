// The load generator child for bench/deflate.bench.mjs:
//   node deflate-load.mjs <port> <connections> <window> <size> <seconds>
// Opens raw WebSockets offering `permessage-deflate; client_no_context_takeover`, sends one
// JSON-like text message of `size` bytes compressed (raw DEFLATE, sync flush, trailer removed,
// RSV1) with `window` in flight per connection, and counts echoes: how many, how many came back
// compressed (RSV1), and the bytes the server wrote per echo. Reports 'warm', then the window.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { jsonPayload } from './deflate-payload.mjs';

const [port, connections, window, size, seconds] = process.argv.slice(2, 7).map(Number);
const WARMUP_MS = 500;

function frame() {
  const data = zlib.deflateRawSync(jsonPayload(size), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
  const n = data.length;
  const header = n < 126 ? Buffer.from([0xc1, 0x80 | n]) : Buffer.from([0xc1, 0x80 | 126, n >> 8, n & 0xff]);
  const key = randomBytes(4);
  const masked = Buffer.from(data);
  for (let i = 0; i < n; i++) masked[i] ^= key[i & 3];
  return Buffer.concat([header, key, masked]);
}
const one = frame();
const batch = Buffer.concat(Array.from({ length: window }, () => one));
let measuring = false;
let messages = 0;
let compressed = 0;
let wire = 0;

function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n\r\n`);
    let head = Buffer.alloc(0);
    const onHead = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onHead);
      const text = head.toString('latin1', 0, end);
      if (!text.startsWith('HTTP/1.1 101') || !/sec-websocket-extensions: *permessage-deflate/i.test(text)) reject(new Error(`no permessage-deflate: ${text}`));
      else resolve(socket);
    };
    socket.on('data', onHead);
  });
}

function drive(socket) {
  let skip = 0;
  let partial = null;
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
      if (chunk.length - at < 4) {
        partial = chunk.subarray(at);
        break;
      }
      let n = chunk[at + 1] & 0x7f;
      let h = 2;
      if (n === 126) [n, h] = [chunk.readUInt16BE(at + 2), 4];
      else if (n === 127) {
        if (chunk.length - at < 10) {
          partial = chunk.subarray(at);
          break;
        }
        [n, h] = [chunk.readUInt32BE(at + 6), 10];
      }
      if (measuring && chunk[at] & 0x40) compressed++;
      at += h;
      if (n === 0) done++;
      else skip = n;
    }
    if (done === 0) return;
    if (measuring) messages += done;
    for (let left = done; left > 0; left -= window) socket.write(left >= window ? batch : batch.subarray(0, left * one.length));
  });
  socket.write(batch);
}

const sockets = await Promise.all(Array.from({ length: connections }, open));
sockets.forEach(drive);
await new Promise((r) => setTimeout(r, WARMUP_MS));
process.send('warm');
await new Promise((resolve) => process.once('message', resolve));
measuring = true;
const start = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const elapsed = (performance.now() - start) / 1000;
process.send({ messages, compressed, wire, seconds: elapsed, sentBytes: one.length });
for (const s of sockets) s.destroy();
process.exit(0);
