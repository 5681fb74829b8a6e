/**
 * Batching frames for one socket write: the FrameWriter (frame-writer.ts) of
 * a role, plus a growing batch buffer and the fragmentation of the message in
 * progress (a message's first frame, then continuations, the last with FIN),
 * checked by one `MessageSequence` for every batching method.
 */
import { assertBytes } from './bytes.js';
import {
  FrameWriter, type FrameWriterOptions, MAX_HEADER_16, MessageSequence, checkFrame, firstByte, headerSize, writeHeader,
} from './frame-writer.js';
import {
  FIN, MIN_LENGTH_64, OPCODE_BINARY, OPCODE_CLOSE, OPCODE_CONTINUATION, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT, RSV1, isValidCloseCode,
} from './protocol.js';
import { maskWords } from './mask.js';
import { allocRaw, slab } from './slab.js';
import type { MessageDeflate } from './deflate/types.js';

export interface FrameEncoderOptions extends FrameWriterOptions {
  /** permessage-deflate, when the handshake agreed it: `compressed()` then sends compressed messages. */
  deflate?: MessageDeflate;
}

const FIRST_BATCH_SIZE = 16 * 1024;
/** Up to this many characters, a JS loop writes ASCII text faster than TextEncoder.encodeInto. */
const ASCII_LOOP_LIMIT = 32;
/**
 * Below this many bytes, a string's payload is masked in place a 4-byte word at a
 * time (maskWords) rather than through maskBytes (a view, a copy into WASM memory,
 * the kernel call and a copy back). Instructions per 128-byte masked string, whole
 * append (callgrind, Node 20): 1,945 against 2,443; at 256 bytes 2,532 against 2,623;
 * at 1 KiB the kernel wins (3,576 against 8,148).
 */
const WORDS_BELOW = 256;
const utf8 = new TextEncoder();

type Utf8Write = (this: Uint8Array, text: string, offset: number) => number;
const nodeUtf8Write = (globalThis as { Buffer?: { prototype: { utf8Write?: Utf8Write } } }).Buffer?.prototype.utf8Write;

/** Whether `write` encodes as TextEncoder does (lone surrogates as U+FFFD) at an offset of a plain Uint8Array. */
function writesUtf8(write: Utf8Write): boolean {
  const probe = new Uint8Array(10);
  return write.call(probe, 'a\ud800\u00e9', 1) === 6 && probe.join() === '0,97,239,191,189,195,169,0,0,0';
}

/**
 * Encodes `text` as UTF-8 at `target[at]` (room for 3 bytes per UTF-16 unit
 * there) and returns the bytes written. Node's and Bun's `Buffer.prototype.utf8Write`
 * where it behaves as TextEncoder (checked once): the same encoder underneath
 * (V8's WriteUtf8 in Node), without the view `encodeInto` needs at an offset and
 * the `{ read, written }` it returns: 794 against 1,164 instructions for 128
 * ASCII characters (callgrind, Node 20).
 */
const writeUtf8: (target: Uint8Array, at: number, text: string) => number =
  typeof nodeUtf8Write === 'function' && writesUtf8(nodeUtf8Write)
    ? (target, at, text) => nodeUtf8Write.call(target, text, at)
    : (target, at, text) => utf8.encodeInto(text, target.subarray(at)).written;
const EMPTY = new Uint8Array(0);
const NO_WORDS = new Int32Array(0);
/** Whether an Int32Array word holds bytes in key-word order (mask.ts keyWord: byte j is `word >>> 8 * j`). */
const WORDS = new Uint8Array(new Int32Array([1]).buffer)[0] === 1;
// Module-local copies for binary()'s fast path: imported bindings are
// re-read from their module cells at every use (see frame-writer.ts).
const MEDIUM_LENGTHS = MIN_LENGTH_64;
const MEDIUM_HEADER = MAX_HEADER_16;
const WHOLE_BINARY = FIN | OPCODE_BINARY;

export class FrameEncoder extends FrameWriter {
  private buffer: Uint8Array = EMPTY;
  /** The batch's 4-byte words (client role, little-endian platforms): payloads are masked in place a word at a time. */
  private words: Int32Array = NO_WORDS;
  private length = 0;
  /** Size of a new batch buffer: the size of the last one handed over, so batching regrows no more. */
  private batchSize = FIRST_BATCH_SIZE;
  /** Whether a fragmented message is being batched. */
  private readonly messages = new MessageSequence();
  private readonly deflate: MessageDeflate | undefined;

  /** @throws {TypeError} when `options` is missing or its role is not 'server' or 'client' */
  constructor(options: FrameEncoderOptions) {
    super(options, 'FrameEncoder');
    this.deflate = options.deflate;
  }

  /** Makes room for `size` more bytes in the batch. */
  private reserve(size: number): void {
    const need = this.length + size;
    if (need > this.buffer.length) this.grow(need);
  }

  private grow(need: number): void {
    const grown = allocRaw(Math.max(need, this.buffer.length * 2, this.batchSize));
    grown.set(this.buffer.subarray(0, this.length));
    this.setBuffer(grown);
  }

  private setBuffer(buffer: Uint8Array): void {
    this.buffer = buffer;
    this.words = WORDS && this.masked && buffer.byteOffset % 4 === 0 ? new Int32Array(buffer.buffer, buffer.byteOffset, buffer.length >>> 2) : NO_WORDS;
  }

  /** Checks a frame (control frames, compressed ones) and batches it. */
  private append(opcode: number, payload: Uint8Array, fin: boolean): void {
    checkFrame(opcode, payload.length, fin);
    this.appendFrame(opcode, payload, fin);
  }

  /** Batches a frame whose opcode needs no check (a data opcode of this class's own). */
  private appendFrame(opcode: number, payload: Uint8Array, fin: boolean): void {
    this.reserve(this.frameSize(payload.length));
    this.length = this.put(this.buffer, this.length, firstByte(opcode, fin), payload);
  }

  /** Batches a text frame: a string (encoded as UTF-8) or UTF-8 bytes. `fin: false` starts a fragmented message. */
  text(data: string | Uint8Array, fin = true): this {
    if (typeof data !== 'string') return this.data(OPCODE_TEXT, data, fin);
    if (fin && !this.messages.inProgress && data.length <= ASCII_LOOP_LIMIT && this.ascii(FIN | OPCODE_TEXT, data)) return this;
    this.messages.check(OPCODE_TEXT, fin);
    this.appendString(OPCODE_TEXT, data, fin);
    return this;
  }

  /** Batches a binary frame. `fin: false` starts a fragmented message. */
  binary(data: Uint8Array, fin = true): this {
    // The common case, without the general path's checks: a whole frame of fewer than 65,536 bytes.
    if (fin && !this.messages.inProgress && data instanceof Uint8Array && data.length < MEDIUM_LENGTHS) {
      const at = this.length;
      if (at + data.length + MEDIUM_HEADER > this.buffer.length) this.reserve(data.length + MEDIUM_HEADER);
      this.length = this.put(this.buffer, at, WHOLE_BINARY, data);
      return this;
    }
    return this.data(OPCODE_BINARY, data, fin);
  }

  /**
   * A whole text frame from a short string, written byte by byte while it is
   * ASCII (then the byte length is the string length, known up front). Returns
   * false, having batched nothing, at the first non-ASCII character.
   */
  private ascii(first: number, text: string): boolean {
    const n = text.length;
    const masked = this.masked;
    const size = headerSize(n, masked);
    const start = this.length;
    if (start + size + n > this.buffer.length) this.reserve(size + n);
    const b = this.buffer;
    const at = start + size;
    // Masked while written (unmasked frames XOR with a key word of 0); a key
    // drawn for a string that turns out not ASCII is simply never used. Byte
    // stores keep the low 8 bits, so each key byte is a shift of the word.
    const k = masked ? this.nextKey() : 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const c0 = text.charCodeAt(i);
      const c1 = text.charCodeAt(i + 1);
      const c2 = text.charCodeAt(i + 2);
      const c3 = text.charCodeAt(i + 3);
      if ((c0 | c1 | c2 | c3) >= 0x80) return false;
      b[at + i] = c0 ^ k;
      b[at + i + 1] = c1 ^ (k >>> 8);
      b[at + i + 2] = c2 ^ (k >>> 16);
      b[at + i + 3] = c3 ^ (k >>> 24);
    }
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return false;
      b[at + i] = c ^ (k >>> ((i & 3) << 3));
    }
    writeHeader(b, start, first, n, masked, k);
    this.length = at + n;
    return true;
  }

  /** Batches the next frame of a fragmented message; `fin: true` ends it. */
  continuation(data: string | Uint8Array, fin = true): this {
    if (typeof data !== 'string') return this.data(OPCODE_CONTINUATION, data, fin);
    this.messages.check(OPCODE_CONTINUATION, fin);
    this.appendString(OPCODE_CONTINUATION, data, fin);
    return this;
  }

  private data(opcode: number, data: Uint8Array, fin: boolean): this {
    assertBytes(data, 'data');
    this.messages.check(opcode, fin);
    this.appendFrame(opcode, data, fin);
    return this;
  }

  /** Batches a ping (payload at most 125 bytes). */
  ping(data: string | Uint8Array = EMPTY): this {
    this.append(OPCODE_PING, typeof data === 'string' ? utf8.encode(data) : checked(data), true);
    return this;
  }

  /** Batches a pong (payload at most 125 bytes). */
  pong(data: string | Uint8Array = EMPTY): this {
    this.append(OPCODE_PONG, typeof data === 'string' ? utf8.encode(data) : checked(data), true);
    return this;
  }

  /** Batches a close frame: no body without a code, else the code and a UTF-8 reason of at most 123 bytes. */
  close(code?: number, reason = ''): this {
    if (code === undefined) {
      if (reason !== '') throw new TypeError('a close reason needs a code');
      this.append(OPCODE_CLOSE, EMPTY, true);
      return this;
    }
    if (!Number.isInteger(code) || !isValidCloseCode(code)) throw new RangeError(`invalid close code ${code}`);
    const text = utf8.encode(reason);
    const body = new Uint8Array(2 + text.length);
    body[0] = code >>> 8;
    body[1] = code & 0xff;
    body.set(text, 2);
    this.append(OPCODE_CLOSE, body, true);
    return this;
  }

  /**
   * Batches a whole message compressed with the agreed permessage-deflate
   * (RFC 7692 §6): RSV1 on its first frame, the compressed payload split into
   * frames of at most `fragmentSize` bytes when given. Strings are text, bytes
   * binary unless `binary` says otherwise.
   * @throws {Error} when no `deflate` was given to the constructor
   */
  compressed(data: string | Uint8Array, options: { binary?: boolean; fragmentSize?: number } = {}): this {
    if (this.deflate === undefined) throw new Error('compressed() needs the agreed permessage-deflate (the deflate option)');
    const bytes = typeof data === 'string' ? utf8.encode(data) : checked(data);
    const opcode = options.binary ?? typeof data !== 'string' ? OPCODE_BINARY : OPCODE_TEXT;
    const size = options.fragmentSize ?? Infinity;
    if (!(size >= 1)) throw new RangeError(`fragmentSize must be at least 1, got ${size}`);
    this.messages.check(opcode, true);
    const payload = this.deflate.compress(bytes);
    for (let at = 0; at === 0 || at < payload.length; at += size) {
      const end = Math.min(at + size, payload.length);
      this.append(at === 0 ? opcode | RSV1 : OPCODE_CONTINUATION, payload.subarray(at, end), end === payload.length);
    }
    return this;
  }

  /**
   * Encodes `text` as UTF-8 straight into the batch. UTF-8 takes at least one
   * byte per UTF-16 unit, so the header is sized for `text.length` bytes and the
   * payload moves right only when its real length needs a longer header.
   */
  private appendString(opcode: number, text: string, fin: boolean): void {
    const masked = this.masked;
    const most = text.length * 3;
    this.reserve(headerSize(most, masked) + most);
    const buffer = this.buffer;
    const start = this.length;
    const room = headerSize(text.length, masked);
    let at = start + room;
    const length = text.length === 0 ? 0 : writeUtf8(buffer, at, text);
    const size = headerSize(length, masked);
    if (size !== room) {
      buffer.copyWithin(start + size, at, at + length);
      at = start + size;
    }
    if (this.words.length === 0 || length >= WORDS_BELOW) {
      this.length = this.seal(buffer, start, firstByte(opcode, fin), at, length);
      return;
    }
    const key = this.nextKey();
    writeHeader(buffer, start, firstByte(opcode, fin), length, true, key);
    maskWords(buffer, this.words, at, length, key);
    this.length = at + length;
  }

  /** Bytes batched and not yet flushed. */
  get pending(): number {
    return this.length;
  }

  /**
   * Takes the batched frames as one Uint8Array, owned by the caller from now on
   * (hand it to one socket write), and empties the batch.
   */
  flush(): Uint8Array {
    const length = this.length;
    this.length = 0;
    if (length === 0) return EMPTY;
    // A small batch is copied so the buffer is reused; a big one is handed over whole.
    if (length * 2 < this.buffer.length) {
      const copy = slab.take(length);
      copy.set(this.buffer.subarray(0, length));
      return copy;
    }
    const out = this.buffer.subarray(0, length);
    this.batchSize = this.buffer.length;
    this.setBuffer(EMPTY);
    return out;
  }
}

function checked(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return data;
}
