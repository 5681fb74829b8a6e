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
// - mode `floor-handle`: `floor`, written through the socket's handle (`_handle.writeBuffer` with a
//   WriteWrap from the deprecated `process.binding('stream_wrap')`), past Writable's machinery: what
//   Node's stream layer costs per write. It ignores backpressure and write errors (the load generator's
//   32 messages in flight per connection bound what can queue), which no real server may do.
// Same IPC as echo-server.mjs: sends { port, addons } once listening; exits on 'exit'.
import { createHash } from 'node:crypto';
import net from 'node:net';

const mode = process.argv[2] ?? 'floor';
if (!['floor', 'floor-unmask', 'floor-handle'].includes(mode)) throw new Error(`unknown floor mode ${mode}`);
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

/** Per connection: what of a split frame or header is still to come. */
class Connection {
  /** Bytes of the current frame still to come in later reads (its header was complete). */
  skip = 0;
  /** A header split across reads: its first bytes. */
  header = new Uint8Array(MAX_HEADER);
  headerLength = 0;
  /** `floor`: the first frame's client size and a buffer of as many of its replies as one read can complete. */
  frameLength = 0;
  replyLength = 0;
  replies = null;
  /** `floor-unmask`: the reused reply buffer, and the bytes so far of a frame split across reads. */
  out = Buffer.allocUnsafe(readBuffer.length);
  pending = null;
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
 * A read after the handshake (mode `floor-unmask`): every complete frame echoed for real (header, payload
 * unmasked by a byte loop) into the reused reply buffer, one write per read. A frame split across reads is
 * kept (its bytes so far copied) and echoed once complete.
 */
function onFramesUnmask(length) {
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
  const out = c.out.length >= end ? c.out : (c.out = Buffer.allocUnsafe(end));
  let used = 0;
  let at = 0;
  while (at < end) {
    const size = frameSize(bytes, at, end);
    if (size === -1 || size > end - at) {
      c.pending = Buffer.from(bytes.subarray(at, end));
      break;
    }
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
    used = to + payload;
    at += size;
  }
  if (used === 0) return;
  this.write(out.subarray(0, used));
  // The socket kept the buffer queued (the kernel took less than all): the next read fills a fresh one.
  if (this.writableLength > 0) c.out = Buffer.allocUnsafe(out.length);
}

/** The client's first read: its request head (echo-load.mjs sends it in one write); answered with a 101. */
function onHead(length) {
  const head = Buffer.from(readBuffer.buffer, readBuffer.byteOffset, length).toString('latin1');
  const accept = createHash('sha1').update(`${KEY.exec(head)?.[1] ?? ''}${GUID}`).digest('base64');
  this.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  this.floor = new Connection();
  readInto(this, readBuffer, mode === 'floor-unmask' ? onFramesUnmask : onFrames);
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
