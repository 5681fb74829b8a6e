// The throughput floor for bench/echo.bench.mjs: `node echo-floor-server.mjs <mode>`, a bare node:net
// server doing the least that any WebSocket echo server written in JavaScript on node:net must do, so
// that no such server can echo faster on this machine: its rate is an upper bound, measured in the same
// run as wsframe and Bun.serve (issue 12's 16 B target).
//
// What it does, as wsframe's server does it:
// - accepts with the options wsframe's listener uses (pauseOnConnect, noDelay), and is pinned to the
//   same core by the bench;
// - reads every socket into one shared buffer through net's `onread` (reader.ts's readInto, from this
//   checkout's build: the WASM I/O region, the same 64 KiB), so no Buffer and no 'data' event per read;
// - answers the request head (the client's first read) with a 101 whose Sec-WebSocket-Accept is a SHA-1;
// - then, per read: walks the frame headers (2 bytes, the 16- or 64-bit length, the mask key) to count
//   the client frames the read completes, carrying a frame or a header split across reads to the next;
//   and for those frames writes the server frames in **one** `socket.write` per read (wsframe batches
//   the same way; one write per read is the fewest syscalls a server can make).
// What it does not do (each is work every real server does, so leaving it out only raises the floor):
// - mode `floor` (the bench's row): no unmasking, no UTF-8 validation, no message object, no event: it
//   writes `count` copies of a reply made once from the connection's first frame (unmasked then), a
//   slice of one constant buffer. That is the right echo only because the load generator sends the
//   same message every time; the server checks each frame's length against the first and throws if one
//   differs, so it never reports a rate for replies of the wrong size. Opcodes and the FIN bit are taken
//   from the first frame, not checked (control frames are not handled: the load generator sends none).
// - mode `floor-unmask`: the echo for real: each frame's header written and its payload unmasked by a
//   byte loop into a reused reply buffer (a fresh one when the socket kept the last one queued), still
//   no UTF-8 validation, no message object, no event: what the per-frame work of the minimum costs.
// - mode `floor-api`: what ws's API asks per message on top of `floor-unmask`: the payload unmasked (byte loop)
//   into a slab carved per message (a `Buffer` of its own, valid after the event), `isUtf8` on text (throws if
//   invalid: no 1007), a 'message' event on an EventEmitter per connection whose listener calls
//   `send(data, { binary })`, which frames the reply into the read's reply buffer (no send queue, no ping, close
//   or fragments): about the least a server with ws's API does per message (16 B only: the byte loop is slow at 1 KiB).
// - mode `floor-handle`: `floor`, written through the socket's handle (`_handle.writeBuffer` with a
//   WriteWrap from the deprecated `process.binding('stream_wrap')`), past Writable's machinery: what
//   Node's stream layer costs per write. It ignores backpressure and write errors (the load generator's
//   32 messages in flight per connection bound what can queue), which no real server may do.
// Same IPC as echo-server.mjs: sends { port, addons } once listening; exits on 'exit'.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';

const mode = process.argv[2] ?? 'floor';
if (!['floor', 'floor-unmask', 'floor-handle', 'floor-api'].includes(mode)) throw new Error(`unknown floor mode ${mode}`);
const build = new URL('../../build/esm/server/', import.meta.url);
const { readInto } = await import(new URL('reader.js', build).href);
const { readBuffer } = await import(new URL('memory.js', build).href);
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const KEY = /Sec-WebSocket-Key: *([^\r]*)/i;
/** The longest client frame header: 2 bytes, a 64-bit length, the mask key. */
const MAX_HEADER = 14;

/**
 * The size (header and payload) of the client frame whose header starts at `bytes[at]`, or -1 when
 * fewer than its header's bytes are there (`end` is the end of the bytes read).
 */
function frameSize(bytes, at, end) {
  if (end - at < 2) return -1;
  const n = bytes[at + 1] & 0x7f;
  if (n < 126) return end - at < 6 ? -1 : 6 + n;
  if (n === 126) return end - at < 8 ? -1 : 8 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  return end - at < 14 ? -1 : 14 + (bytes[at + 6] * 2 ** 24 + (bytes[at + 7] << 16) + (bytes[at + 8] << 8) + bytes[at + 9]);
}

/** The unmasked server frame for the client frame at `bytes[at, at + size)`. */
function serverFrame(bytes, at, size) {
  const n = bytes[at + 1] & 0x7f;
  const header = n < 126 ? 2 : n === 126 ? 4 : 10;
  const key = at + header;
  const frame = Buffer.allocUnsafe(size - 4);
  frame[0] = bytes[at];
  for (let i = 1; i < header; i++) frame[i] = bytes[at + i] & (i === 1 ? 0x7f : 0xff);
  for (let i = 0; i < size - header - 4; i++) frame[header + i] = bytes[key + 4 + i] ^ bytes[key + (i & 3)];
  return frame;
}

/** Per connection: what of a split frame or header is still to come (and for `floor-api`, ws's events and `send`). */
class Connection extends EventEmitter {
  /** Bytes of the current frame still to come in later reads (its header was complete). */
  skip = 0;
  /** A header split across reads: its first bytes. */
  header = new Uint8Array(MAX_HEADER);
  headerLength = 0;
  /** `floor`: the first frame's client size and a buffer of as many of its replies as one read can complete. */
  frameLength = 0;
  replyLength = 0;
  replies = null;
  /** `floor-unmask`, `floor-api`: the reused reply buffer, its bytes used in this read, and the bytes so far of a frame split across reads. */
  out = Buffer.allocUnsafe(readBuffer.length);
  used = 0;
  pending = null;
  send = send;
}

const { WriteWrap } = mode === 'floor-handle' ? process.binding('stream_wrap') : {};
function ignore() {}

/** Writes `bytes` through the handle, as Writable would, minus its bookkeeping (see the header). */
function writeToHandle(socket, bytes) {
  const req = new WriteWrap();
  req.handle = socket._handle;
  req.oncomplete = ignore;
  req.async = false;
  req.bytes = 0;
  req.buffer = bytes;
  socket._handle.writeBuffer(req, bytes);
}

/**
 * A read after the handshake (modes `floor` and `floor-handle`): counts the frames it completes, writes
 * that many replies in one write.
 */
function onFrames(length) {
  const c = this.floor;
  const bytes = readBuffer;
  let at = 0;
  let count = 0;
  if (c.headerLength > 0) at = completeHeader(c, bytes, length);
  if (c.skip > 0) {
    if (c.skip > length - at) {
      c.skip -= length - at;
      return;
    }
    at += c.skip;
    c.skip = 0;
    count++;
  }
  while (at < length) {
    const size = frameSize(bytes, at, length);
    if (size === -1) {
      c.header.set(bytes.subarray(at, length));
      c.headerLength = length - at;
      break;
    }
    if (c.replies === null) start(c, bytes, at, size, length);
    else if (size !== c.frameLength) throw new Error(`the floor echoes one message size; got a frame of ${size} bytes after ${c.frameLength}`);
    if (size > length - at) {
      c.skip = size - (length - at);
      break;
    }
    at += size;
    count++;
  }
  if (count === 0) return;
  const reply = c.replies.subarray(0, count * c.replyLength);
  if (mode === 'floor-handle') writeToHandle(this, reply);
  else this.write(reply);
}

/** The first frame: the reply made once, as many copies as one read can complete. */
function start(c, bytes, at, size, length) {
  if (size > length - at) throw new Error('the floor needs its first frame whole in one read');
  const frame = serverFrame(bytes, at, size);
  c.frameLength = size;
  c.replyLength = frame.length;
  const most = Math.ceil(bytes.length / size) + 1;
  c.replies = Buffer.allocUnsafe(most * frame.length);
  for (let i = 0; i < most; i++) frame.copy(c.replies, i * frame.length);
}

/** The rest of a header split across reads: returns where the frame's remaining bytes start in this read. */
function completeHeader(c, bytes, length) {
  const have = c.headerLength;
  const take = Math.min(MAX_HEADER - have, length);
  c.header.set(bytes.subarray(0, take), have);
  const size = frameSize(c.header, 0, have + take);
  if (size === -1) {
    c.headerLength += take; // still incomplete: the whole read was header bytes
    return length;
  }
  if (size !== c.frameLength) throw new Error(`the floor echoes one message size; got a frame of ${size} bytes after ${c.frameLength}`);
  c.headerLength = 0;
  c.skip = size - have; // the frame's bytes in this read and later, counted by the caller
  return 0;
}

/**
 * A read after the handshake (modes `floor-unmask` and `floor-api`): `echoFrame` runs for every complete frame
 * and puts the replies in the reused reply buffer, written once per read. A frame split across reads is kept (its
 * bytes so far copied) and handled once complete.
 */
function onEachFrame(length) {
  const c = this.floor;
  let bytes = readBuffer;
  let end = length;
  if (c.pending !== null) {
    // Rare: the bytes of a split frame so far, then this read's.
    bytes = Buffer.concat([c.pending, readBuffer.subarray(0, length)]);
    end = bytes.length;
    c.pending = null;
  }
  // A server frame is 4 bytes shorter than the client's: the replies fit in as many bytes as were read.
  if (c.out.length < end) c.out = Buffer.allocUnsafe(end);
  c.used = 0;
  let at = 0;
  while (at < end) {
    const size = frameSize(bytes, at, end);
    if (size === -1 || size > end - at) {
      c.pending = Buffer.from(bytes.subarray(at, end));
      break;
    }
    echoFrame(c, bytes, at, size);
    at += size;
  }
  if (c.used === 0) return;
  this.write(c.out.subarray(0, c.used));
  // The socket kept the buffer queued (the kernel took less than all): the next read fills a fresh one.
  if (this.writableLength > 0) c.out = Buffer.allocUnsafe(c.out.length);
}

/** `floor-unmask`: the frame's echo (header, payload unmasked by a byte loop) into the reply buffer. */
function unmaskFrame(c, bytes, at, size) {
  const out = c.out;
  const used = c.used;
  const n = bytes[at + 1] & 0x7f;
  const header = n < 126 ? 2 : n === 126 ? 4 : 10;
  out[used] = bytes[at];
  out[used + 1] = n;
  for (let i = 2; i < header; i++) out[used + i] = bytes[at + i];
  const key = at + header;
  const from = key + 4;
  const to = used + header;
  const payload = size - header - 4;
  for (let i = 0; i < payload; i++) out[to + i] = bytes[from + i] ^ bytes[key + (i & 3)];
  c.used = to + payload;
}

/** `floor-api`: owned messages are carved from slabs of this size, as a decoder's are. */
const SLAB = 120 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB);
let slabUsed = 0;

/**
 * `floor-api`: what ws's API asks per message: the payload unmasked into memory of its own (a slab, a `Buffer` per
 * message), `isUtf8` on text, a 'message' event whose listener calls `send`, which frames the reply into the reply
 * buffer. Control frames, fragments and close codes are still not handled.
 */
function apiFrame(c, bytes, at, size) {
  const n = bytes[at + 1] & 0x7f;
  const header = n < 126 ? 2 : n === 126 ? 4 : 10;
  const length = size - header - 4;
  if (slabUsed + length > SLAB) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB, length));
    slabUsed = 0;
  }
  const message = Buffer.from(slab.buffer, slabUsed, length);
  slabUsed += length;
  const key = at + header;
  const from = key + 4;
  for (let i = 0; i < length; i++) message[i] = bytes[from + i] ^ bytes[key + (i & 3)];
  const binary = (bytes[at] & 0x0f) === 2;
  if (!binary && !isUtf8(message)) throw new Error('invalid UTF-8: the floor does not close with 1007');
  c.emit('message', message, binary);
}

const echoFrame = mode === 'floor-api' ? apiFrame : unmaskFrame;

/** `floor-api`: ws's `send(data, { binary })`, minus its queue: the frame into the read's reply buffer. */
function send(data, { binary }) {
  const c = this;
  const header = data.length < 126 ? 2 : data.length < 65536 ? 4 : 10;
  if (c.used + header + data.length > c.out.length) {
    const grown = Buffer.allocUnsafe(2 * (c.used + header + data.length));
    grown.set(c.out.subarray(0, c.used));
    c.out = grown;
  }
  const out = c.out;
  const at = c.used;
  out[at] = binary ? 0x82 : 0x81;
  if (header === 2) out[at + 1] = data.length;
  else if (header === 4) {
    out[at + 1] = 126;
    out.writeUInt16BE(data.length, at + 2);
  } else {
    out[at + 1] = 127;
    out.writeUInt32BE(0, at + 2);
    out.writeUInt32BE(data.length, at + 6);
  }
  out.set(data, at + header);
  c.used = at + header + data.length;
}

/** The client's first read: its request head (echo-load.mjs sends it in one write); answered with a 101. */
function onHead(length) {
  const head = Buffer.from(readBuffer.buffer, readBuffer.byteOffset, length).toString('latin1');
  const accept = createHash('sha1').update(`${KEY.exec(head)?.[1] ?? ''}${GUID}`).digest('base64');
  this.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  this.floor = new Connection();
  if (mode === 'floor-api') this.floor.on('message', (data, isBinary) => this.floor.send(data, { binary: isBinary }));
  readInto(this, readBuffer, mode === 'floor-unmask' || mode === 'floor-api' ? onEachFrame : onFrames);
}

const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  if (!readInto(socket, readBuffer, onHead)) throw new Error('readInto is not available on this Node');
  socket.resume();
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, addons: `none (node:net, no WebSocket: ${mode})` }));
process.on('message', (message) => {
  if (message === 'exit') process.exit(0);
});
