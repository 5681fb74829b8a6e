// The load generator child for bench/deflate.bench.mjs:
//   node deflate-load.mjs <port> <connections> <window> <size> <seconds>
// Opens raw WebSockets offering `permessage-deflate; client_no_context_takeover` and keeps
// `window` compressed JSON-like text messages of `size` bytes in flight per connection, cycling
// through DISTINCT different messages (identical ones would flatter compressors with context
// takeover). Counts echoes: how many, how many came back compressed (RSV1), and the bytes the
// server wrote. Reports 'warm', then, told to go, the measured window.
//
// Reads: every socket reads into one preallocated buffer (net's `onread`), walked synchronously
// in the read callback, as bench/support/fanout-load.mjs does and for the same reason: with
// 'data' events each read allocates a fresh buffer whose pages the kernel faults in while
// copying, a cost that varied from run to run with the allocator's state and could make the
// generator, not the server, what the figure measured.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { compressedFrame, jsonPayload } from './deflate-payload.mjs';

const [port, connections, window, size, seconds] = process.argv.slice(2, 7).map(Number);
const WARMUP_MS = 500;
const DISTINCT = 64;
const OFFER = 'permessage-deflate; client_no_context_takeover';
/** Bytes per read: one buffer for all sockets. Zero-filled: its pages are mapped once. */
const readBuffer = Buffer.alloc(256 * 1024);

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

/**
 * One connection's echo loop: walks the server's frames (headers only; payloads are skipped,
 * across reads) and answers every echo with the next message of the cycle.
 */
class Echoes {
  constructor(socket, first) {
    this.socket = socket;
    this.next = first;
    /** Payload bytes of the current frame still to skip. */
    this.skip = 0;
    /** A header split across reads (at most 10 bytes). */
    this.header = Buffer.alloc(10);
    this.headerLength = 0;
  }

  start() {
    this.next = send(this.socket, window, this.next);
  }

  /** Walks `chunk[at, end)` (a view of the shared read buffer, valid during this call only). */
  push(chunk, at, end) {
    if (measuring) wire += end - at;
    let done = 0;
    while (at < end) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - at);
        this.skip -= n;
        at += n;
        if (this.skip === 0) done++;
        continue;
      }
      // A header is 2, 4 or 10 bytes (by its 7-bit length); a split one is kept for the next read.
      let src = chunk;
      let h = 0;
      if (this.headerLength > 0 || end - at < 10) {
        const header = this.header;
        while (this.headerLength < 2 && at < end) header[this.headerLength++] = chunk[at++];
        if (this.headerLength < 2) break;
        const short = header[1] & 0x7f;
        const need = short < 126 ? 2 : short === 126 ? 4 : 10;
        while (this.headerLength < need && at < end) header[this.headerLength++] = chunk[at++];
        if (this.headerLength < need) break;
        this.headerLength = 0;
        src = header;
      } else {
        h = at;
      }
      const short = src[h + 1] & 0x7f;
      const n = short < 126 ? short : short === 126 ? src.readUInt16BE(h + 2) : src.readUInt32BE(h + 6);
      if (measuring && src[h] & 0x40) compressed++;
      if (src === chunk) at += short < 126 ? 2 : short === 126 ? 4 : 10;
      if (n === 0) done++;
      else this.skip = n;
    }
    if (done === 0) return;
    if (measuring) messages += done;
    this.next = send(this.socket, done, this.next);
  }
}

/** Opens a WebSocket offering OFFER; resolves with its echo loop once a 101 agreed permessage-deflate. */
function open(first) {
  return new Promise((resolve, reject) => {
    let head = '';
    let echoes = null;
    const socket = net.connect({
      host: '127.0.0.1',
      port,
      onread: {
        buffer: readBuffer,
        callback(n, buffer) {
          if (echoes !== null) {
            echoes.push(buffer, 0, n);
            return;
          }
          head += buffer.latin1Slice(0, n);
          const end = head.indexOf('\r\n\r\n');
          if (end === -1) return;
          if (!head.startsWith('HTTP/1.1 101') || !/sec-websocket-extensions: *permessage-deflate/i.test(head.slice(0, end))) {
            reject(new Error(`no permessage-deflate: ${head.slice(0, end)}`));
            return;
          }
          echoes = new Echoes(socket, first);
          resolve(echoes);
          // Nothing is sent before the 101, so nothing can follow it yet.
        },
      },
    });
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${OFFER}\r\n\r\n`);
  });
}

const all = await Promise.all(Array.from({ length: connections }, (_, i) => open((i * 7) % DISTINCT)));
for (const echoes of all) echoes.start();
await new Promise((r) => setTimeout(r, WARMUP_MS));
process.send('warm');
await new Promise((resolve) => process.once('message', resolve));
measuring = true;
const start = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const elapsed = (performance.now() - start) / 1000;
process.send({ messages, compressed, wire, seconds: elapsed });
for (const echoes of all) echoes.socket.destroy();
process.exit(0);
