// The load generator child for bench/echo.bench.mjs:
//   node echo-load.mjs <port> <connections> <window> <size> <seconds> <kind> [rate]
// Opens `connections` raw WebSockets and sends masked messages of `size`
// bytes of one payload kind (payloads.mjs). Two modes:
// - closed loop (no rate): `window` messages in flight on each connection;
//   every echo that comes back is answered with a new message, written in one
//   batch per socket read. Measures the server's maximum.
// - open loop (rate, messages/s over all connections): messages leave on a
//   1 ms schedule whatever the server does, and each round trip is timed from
//   the moment its message was *due* (so a stalled server shows up as
//   latency, not as fewer samples: no coordinated omission).
// It parses the server's frames with a minimal JS parser, the same work for
// every server. Reports over IPC: 'warm' after a warm-up, then the measured
// window's messages, bytes and round-trip percentiles.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { maskedFrame } from './payloads.mjs';

const [port, connections, window, size, seconds] = process.argv.slice(2, 7).map(Number);
const kind = process.argv[7] ?? 'ascii';
const rate = Number(process.argv[8] ?? 0);
// The warm-up before the measured window (echo.bench.mjs sets it: long enough for the server's heap to settle).
const WARMUP_MS = Number(process.env.ECHO_WARMUP_MS ?? 500);

const one = maskedFrame(kind, size);
const batchCount = rate > 0 ? 1024 : window;
const batch = Buffer.concat(Array.from({ length: batchCount }, () => one));

let measuring = false;
let messages = 0;
let bytes = 0;
const MAX_SAMPLES = 1 << 21;
const samples = new Float64Array(MAX_SAMPLES);
let sampleCount = 0;

/**
 * Reads of every socket land in this one buffer (net's `onread`): no Buffer
 * per read, so the load generator spends its core on the protocol, not the
 * allocator, and stays ahead of the fastest server. A read's bytes are valid
 * until its callback returns.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Connects and upgrades; resolves with the socket and a setter for its read handler. */
function open() {
  return new Promise((resolve, reject) => {
    let onBytes = null; // the connection's handler, once `reading` has set it
    let head = Buffer.alloc(0); // the response head, then bytes that came before a handler
    let upgraded = false;
    const socket = net.connect({
      port, host: '127.0.0.1',
      onread: {
        buffer: READ_BUFFER,
        callback(n, buffer) {
          if (onBytes !== null) return onBytes(buffer.subarray(0, n));
          head = Buffer.concat([head, buffer.subarray(0, n)]);
          if (upgraded) return;
          const end = head.indexOf('\r\n\r\n');
          if (end === -1) return;
          if (!head.toString('latin1', 0, 12).startsWith('HTTP/1.1 101')) return reject(new Error(head.toString()));
          upgraded = true;
          head = head.subarray(end + 4);
          const reading = (handler) => {
            onBytes = handler;
            if (head.length > 0) handler(head);
          };
          resolve({ socket, reading });
        },
      },
    });
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}

/**
 * Drives one connection: a FIFO of send (or due) times, a frame parser that
 * carries partial frames across reads. Returns `send(count, due)`.
 */
function drive({ socket, reading }) {
  // Closed loop: at most `window` in flight. Open loop: a ring large enough for a backlog.
  const capacity = rate > 0 ? 1 << 16 : window;
  const sent = new Float64Array(capacity);
  let head = 0; // oldest message in flight
  let tail = 0;
  let skip = 0; // payload bytes of the current frame still to come
  let partial = null; // a split frame header
  const send = (count, due = performance.now()) => {
    for (let i = 0; i < count; i++) {
      sent[tail] = due;
      tail = tail === capacity - 1 ? 0 : tail + 1;
    }
    for (let left = count; left > 0; left -= batchCount) {
      const n = Math.min(left, batchCount);
      socket.write(n === batchCount ? batch : batch.subarray(0, n * one.length));
    }
  };
  reading((chunk) => {
    if (partial !== null) {
      chunk = Buffer.concat([partial, chunk]);
      partial = null;
    }
    let at = 0;
    let done = 0;
    const length = chunk.length;
    while (at < length) {
      if (skip > 0) {
        const n = Math.min(skip, length - at);
        skip -= n;
        at += n;
        if (skip === 0) done++;
        continue;
      }
      if (length - at < 2) {
        partial = Buffer.from(chunk.subarray(at)); // the read buffer is reused
        break;
      }
      let n = chunk[at + 1] & 0x7f;
      let h = 2;
      if (n === 126) {
        if (length - at < 4) {
          partial = Buffer.from(chunk.subarray(at));
          break;
        }
        n = chunk.readUInt16BE(at + 2);
        h = 4;
      } else if (n === 127) {
        if (length - at < 10) {
          partial = Buffer.from(chunk.subarray(at));
          break;
        }
        n = chunk.readUInt32BE(at + 6);
        h = 10;
      }
      at += h;
      if (n === 0) done++;
      else skip = n;
    }
    if (done === 0) return;
    const now = performance.now();
    for (let i = 0; i < done; i++) {
      if (measuring) {
        messages++;
        if (sampleCount < MAX_SAMPLES) samples[sampleCount++] = now - sent[head];
      }
      head = head === capacity - 1 ? 0 : head + 1;
    }
    bytes += measuring ? done * size : 0;
    if (rate === 0) send(done);
  });
  if (rate === 0) send(window);
  return send;
}

/** Open loop: every millisecond, the messages due by now, spread over the connections in turn. */
function schedule(senders) {
  const start = performance.now();
  let due = 0; // messages sent so far
  let next = 0; // the connection that sends next
  const timer = setInterval(() => {
    const now = performance.now();
    const target = Math.floor(((now - start) * rate) / 1000);
    const count = target - due;
    if (count <= 0) return;
    // Spread evenly; each message is due at its own instant in the last interval.
    const base = Math.floor(count / senders.length);
    let extra = count % senders.length;
    for (let i = 0; i < senders.length; i++) {
      const n = base + (extra > 0 ? 1 : 0);
      if (extra > 0) extra--;
      if (n > 0) senders[next](n, start + ((due + n) * 1000) / rate);
      next = next === senders.length - 1 ? 0 : next + 1;
      due += n;
    }
  }, 1);
  return () => clearInterval(timer);
}

const connected = [];
for (let i = 0; i < connections; i++) connected.push(await open());
const sockets = connected.map((c) => c.socket);
const senders = connected.map(drive);
const stopSchedule = rate > 0 ? schedule(senders) : () => {};
await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
process.send({ type: 'warm' });
await new Promise((resolve) => process.once('message', resolve)); // the parent has read the server's CPU time
measuring = true;
const start = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
measuring = false;
stopSchedule();
const elapsed = (performance.now() - start) / 1000;
const sorted = samples.subarray(0, sampleCount).sort();
const pick = (q) => (sampleCount ? sorted[Math.min(sampleCount - 1, Math.floor(q * sampleCount))] : NaN);
process.send({ type: 'result', messages, bytes, seconds: elapsed, p50: pick(0.5), p99: pick(0.99) });
for (const socket of sockets) socket.destroy();
process.exit(0);
