/**
 * RFC 6455 §5.2 frame encoding: headers of 2, 4 or 10 bytes (+ 4 key bytes
 * when masked), payloads masked for the client role with fresh keys from
 * `crypto.getRandomValues`, and batching many frames into one buffer for a
 * single write.
 *
 * Headers are written here in JavaScript rather than by a WASM kernel: the
 * payload bytes live in JavaScript memory, a header is 2–14 byte stores, and a
 * WASM call would cost more than the work. Payload masking uses the WASM
 * kernel from 128 bytes up (mask.ts).
 */
import { assertBytes, assertIndex, assertOptions, assertRole } from './bytes.js';
import {
  OPCODE_BINARY, OPCODE_CLOSE, OPCODE_CONTINUATION, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT, RSV1, isValidCloseCode,
} from './protocol.js';
import { MASK_WASM_THRESHOLD, mask, xorForward } from './mask.js';
import { allocRaw, slab } from './slab.js';
import type { MessageDeflate } from './deflate/types.js';

export interface FrameEncoderOptions {
  /** 'client' masks every frame (RFC 6455 §5.3); 'server' never does. */
  role: 'server' | 'client';
  /** permessage-deflate, when the handshake agreed it: `compressed()` then sends compressed messages. */
  deflate?: MessageDeflate;
}


/** Keys drawn per crypto.getRandomValues call (4 bytes each). */
const KEY_POOL_SIZE = 1024;
const FIRST_BATCH_SIZE = 16 * 1024;
/** Up to this many characters, a JS loop writes ASCII text faster than TextEncoder.encodeInto. */
const ASCII_LOOP_LIMIT = 32;
const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Header bytes for a payload of `length` bytes. */
function headerSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes a frame header at `target[offset]` and returns the payload's offset.
 * `key` (4 bytes at keys[keyAt]) is written when given.
 */
function writeHeader(target: Uint8Array, offset: number, first: number, length: number, keys: Uint8Array | null, keyAt: number): number {
  const maskBit = keys === null ? 0 : 0x80;
  target[offset++] = first;
  if (length < 126) {
    target[offset++] = maskBit | length;
  } else if (length < 65536) {
    target[offset] = maskBit | 126;
    target[offset + 1] = length >>> 8;
    target[offset + 2] = length & 0xff;
    offset += 3;
  } else {
    target[offset] = maskBit | 127;
    // 64-bit big-endian; lengths stay below 2^53, so the top 11 bits are 0.
    const high = Math.floor(length / 0x1_0000_0000);
    const low = length >>> 0;
    target[offset + 1] = 0;
    target[offset + 2] = high >>> 16;
    target[offset + 3] = (high >>> 8) & 0xff;
    target[offset + 4] = high & 0xff;
    target[offset + 5] = low >>> 24;
    target[offset + 6] = (low >>> 16) & 0xff;
    target[offset + 7] = (low >>> 8) & 0xff;
    target[offset + 8] = low & 0xff;
    offset += 9;
  }
  if (keys !== null) {
    target[offset] = keys[keyAt];
    target[offset + 1] = keys[keyAt + 1];
    target[offset + 2] = keys[keyAt + 2];
    target[offset + 3] = keys[keyAt + 3];
    offset += 4;
  }
  return offset;
}

/** XORs `length` bytes of `target` at `at` with the key at keys[keyAt], in place. */
function maskInPlace(target: Uint8Array, at: number, length: number, keys: Uint8Array, keyAt: number): void {
  if (length < MASK_WASM_THRESHOLD) {
    xorForward(target, at, keys, keyAt, target, at, length, 0);
  } else {
    mask(target.subarray(at, at + length), keys.subarray(keyAt, keyAt + 4), target, at, length);
  }
}

export class FrameEncoder {
  /** Whether frames are masked (client role). */
  readonly masked: boolean;
  private readonly keys: Uint8Array;
  private keyAt: number;
  private buffer: Uint8Array = EMPTY;
  private length = 0;
  /** Size of a new batch buffer: the size of the last one handed over, so batching regrows no more. */
  private batchSize = FIRST_BATCH_SIZE;
  private readonly deflate: MessageDeflate | undefined;
  /** Opcode of the fragmented message being batched, or 0. */
  private fragmenting = 0;

  /** @throws {TypeError} when `options` is missing or its role is not 'server' or 'client' */
  constructor(options: FrameEncoderOptions) {
    assertOptions(options, 'FrameEncoder', "{ role: 'server' }");
    assertRole(options.role, 'FrameEncoder');
    this.masked = options.role === 'client';
    this.deflate = options.deflate;
    this.keys = new Uint8Array(this.masked ? KEY_POOL_SIZE * 4 : 0);
    this.keyAt = this.keys.length;
  }

  /** Bytes a frame with a payload of `payloadLength` bytes takes in this role. */
  frameSize(payloadLength: number): number {
    return headerSize(payloadLength, this.masked) + payloadLength;
  }

  /** Offset of the next fresh key in the pool, refilled by one getRandomValues call per KEY_POOL_SIZE frames. */
  private nextKey(): number {
    if (this.keyAt === this.keys.length) {
      crypto.getRandomValues(this.keys);
      this.keyAt = 0;
    }
    const at = this.keyAt;
    this.keyAt = at + 4;
    return at;
  }

  /**
   * Writes one frame into `target` at `offset` (masked in the client role) and
   * returns the offset after it. Needs `frameSize(payload.length)` bytes there.
   * Checks sizes but not message sequencing: that is the caller's. `opcode` may
   * carry RSV1 (`OPCODE_TEXT | RSV1`) for the first frame of a message
   * compressed with permessage-deflate.
   * @throws {TypeError|RangeError} on a bad argument, before anything is written
   */
  writeFrame(target: Uint8Array, offset: number, opcode: number, payload: Uint8Array, fin = true): number {
    assertBytes(target, 'target');
    assertBytes(payload, 'payload');
    assertIndex(offset, 'offset');
    checkFrame(opcode, payload.length, fin);
    const length = payload.length;
    const size = this.frameSize(length);
    if (offset + size > target.length) {
      throw new RangeError(`the frame needs ${size} bytes at offset ${offset}; target has ${target.length}`);
    }
    return this.put(target, offset, (fin ? 0x80 : 0) | opcode, payload);
  }

  /**
   * Writes only the header of an unmasked frame (server role) whose
   * `payloadLength` bytes the caller sends right after it, so a large payload
   * goes out as it is, with no copy. Returns the offset after the header, which
   * needs `frameSize(payloadLength) - payloadLength` bytes.
   * @throws {TypeError} in the client role, whose payloads must be masked (so copied)
   * @throws {TypeError|RangeError} on a bad argument, before anything is written
   */
  writeFrameHeader(target: Uint8Array, offset: number, opcode: number, payloadLength: number, fin = true): number {
    if (this.masked) throw new TypeError('writeFrameHeader is for unmasked frames: in the client role every payload is masked');
    assertBytes(target, 'target');
    assertIndex(offset, 'offset');
    assertIndex(payloadLength, 'payloadLength');
    checkFrame(opcode, payloadLength, fin);
    const size = headerSize(payloadLength, false);
    if (offset + size > target.length) {
      throw new RangeError(`the header needs ${size} bytes at offset ${offset}; target has ${target.length}`);
    }
    return writeHeader(target, offset, (fin ? 0x80 : 0) | opcode, payloadLength, null, 0);
  }

  private put(target: Uint8Array, offset: number, first: number, payload: Uint8Array): number {
    const length = payload.length;
    if (!this.masked) {
      const at = writeHeader(target, offset, first, length, null, 0);
      // A loop beats the TypedArray.prototype.set call for a few dozen bytes.
      if (length <= 64) for (let i = 0; i < length; i++) target[at + i] = payload[i];
      else target.set(payload, at);
      return at + length;
    }
    const keyAt = this.nextKey();
    const keys = this.keys;
    const at = writeHeader(target, offset, first, length, keys, keyAt);
    if (length < MASK_WASM_THRESHOLD) {
      xorForward(payload, 0, keys, keyAt, target, at, length, 0);
    } else {
      mask(payload, keys.subarray(keyAt, keyAt + 4), target, at, length);
    }
    return at + length;
  }

  /** Makes room for `size` more bytes in the batch. */
  private reserve(size: number): void {
    const need = this.length + size;
    if (need <= this.buffer.length) return;
    const grown = allocRaw(Math.max(need, this.buffer.length * 2, this.batchSize));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  private append(opcode: number, payload: Uint8Array, fin: boolean): void {
    checkFrame(opcode, payload.length, fin);
    this.reserve(this.frameSize(payload.length));
    this.length = this.put(this.buffer, this.length, (fin ? 0x80 : 0) | opcode, payload);
  }

  /** Checks and tracks fragmentation: a message's first frame, then continuations, the last with FIN. */
  private sequence(opcode: number, fin: boolean): void {
    if (opcode === OPCODE_CONTINUATION) {
      if (this.fragmenting === 0) throw new Error('no fragmented message to continue');
    } else if (this.fragmenting !== 0) {
      throw new Error('a fragmented message is in progress: finish it with continuation(data, true)');
    }
    this.fragmenting = fin ? 0 : opcode === OPCODE_CONTINUATION ? this.fragmenting : opcode;
  }

  /** Batches a text frame: a string (encoded as UTF-8) or UTF-8 bytes. `fin: false` starts a fragmented message. */
  text(data: string | Uint8Array, fin = true): this {
    if (typeof data !== 'string') return this.data(OPCODE_TEXT, data, fin);
    if (fin && this.fragmenting === 0 && data.length <= ASCII_LOOP_LIMIT && this.ascii(0x81, data)) return this;
    this.sequence(OPCODE_TEXT, fin);
    this.appendString(OPCODE_TEXT, data, fin);
    return this;
  }

  /** Batches a binary frame. `fin: false` starts a fragmented message. */
  binary(data: Uint8Array, fin = true): this {
    if (fin && this.fragmenting === 0 && data instanceof Uint8Array && data.length < 126) {
      this.small(0x82, data);
      return this;
    }
    return this.data(OPCODE_BINARY, data, fin);
  }

  /** The common case without the general path's checks: a whole frame of fewer than 126 bytes. */
  private small(first: number, data: Uint8Array): void {
    const n = data.length;
    let at = this.length;
    if (at + n + 6 > this.buffer.length) this.reserve(n + 6);
    const b = this.buffer;
    b[at] = first;
    if (!this.masked) {
      b[at + 1] = n;
      at += 2;
      // A loop beats the TypedArray.prototype.set call for a few dozen bytes.
      if (n <= 64) for (let i = 0; i < n; i++) b[at + i] = data[i];
      else b.set(data, at);
    } else {
      const keys = this.keys;
      const k = this.nextKey();
      b[at + 1] = 0x80 | n;
      b[at + 2] = keys[k];
      b[at + 3] = keys[k + 1];
      b[at + 4] = keys[k + 2];
      b[at + 5] = keys[k + 3];
      at += 6;
      xorForward(data, 0, keys, k, b, at, n, 0);
    }
    this.length = at + n;
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
    if (!masked) {
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const c0 = text.charCodeAt(i);
        const c1 = text.charCodeAt(i + 1);
        const c2 = text.charCodeAt(i + 2);
        const c3 = text.charCodeAt(i + 3);
        if ((c0 | c1 | c2 | c3) >= 0x80) return false;
        b[at + i] = c0;
        b[at + i + 1] = c1;
        b[at + i + 2] = c2;
        b[at + i + 3] = c3;
      }
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) return false;
        b[at + i] = c;
      }
      writeHeader(b, start, first, n, null, 0);
    } else {
      // Masked while written; a key drawn for a string that turns out not ASCII is simply never used.
      const keys = this.keys;
      const k = this.nextKey();
      const k0 = keys[k];
      const k1 = keys[k + 1];
      const k2 = keys[k + 2];
      const k3 = keys[k + 3];
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const c0 = text.charCodeAt(i);
        const c1 = text.charCodeAt(i + 1);
        const c2 = text.charCodeAt(i + 2);
        const c3 = text.charCodeAt(i + 3);
        if ((c0 | c1 | c2 | c3) >= 0x80) return false;
        b[at + i] = c0 ^ k0;
        b[at + i + 1] = c1 ^ k1;
        b[at + i + 2] = c2 ^ k2;
        b[at + i + 3] = c3 ^ k3;
      }
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) return false;
        b[at + i] = c ^ keys[k + (i & 3)];
      }
      writeHeader(b, start, first, n, keys, k);
    }
    this.length = at + n;
    return true;
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
    if (this.fragmenting !== 0) throw new Error('a fragmented message is in progress: finish it with continuation(data, true)');
    const payload = this.deflate.compress(bytes);
    for (let at = 0; at === 0 || at < payload.length; at += size) {
      const end = Math.min(at + size, payload.length);
      this.append(at === 0 ? opcode | RSV1 : OPCODE_CONTINUATION, payload.subarray(at, end), end === payload.length);
    }
    return this;
  }

  /** Batches the next frame of a fragmented message; `fin: true` ends it. */
  continuation(data: string | Uint8Array, fin = true): this {
    if (typeof data !== 'string') return this.data(OPCODE_CONTINUATION, data, fin);
    this.sequence(OPCODE_CONTINUATION, fin);
    this.appendString(OPCODE_CONTINUATION, data, fin);
    return this;
  }

  private data(opcode: number, data: Uint8Array, fin: boolean): this {
    assertBytes(data, 'data');
    this.sequence(opcode, fin);
    this.append(opcode, data, fin);
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
    const length = text.length === 0 ? 0 : utf8.encodeInto(text, buffer.subarray(at)).written;
    const size = headerSize(length, masked);
    if (size !== room) {
      buffer.copyWithin(start + size, at, at + length);
      at = start + size;
    }
    const keyAt = masked ? this.nextKey() : 0;
    writeHeader(buffer, start, (fin ? 0x80 : 0) | opcode, length, masked ? this.keys : null, keyAt);
    if (masked) maskInPlace(buffer, at, length, this.keys, keyAt);
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
    this.buffer = EMPTY;
    return out;
  }
}

function checked(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return data;
}

/**
 * RFC 6455 §5.2, §5.5: a known opcode; control frames unfragmented with at most
 * 125 bytes. RFC 7692 §6: RSV1 (given with the opcode) only on the first frame
 * of a data message, marking it compressed.
 */
function checkFrame(opcode: number, length: number, fin: boolean): void {
  if (opcode === (OPCODE_TEXT | RSV1) || opcode === (OPCODE_BINARY | RSV1)) return;
  if (opcode >= 8) {
    if (opcode > 10) throw new RangeError(`invalid opcode ${opcode}`);
    if (!fin) throw new RangeError('control frames cannot be fragmented');
    if (length > 125) throw new RangeError(`control frame payload is ${length} bytes; at most 125 allowed`);
  } else if (opcode > 2 || !Number.isInteger(opcode) || opcode < 0) {
    throw new RangeError(`invalid opcode ${opcode}`);
  }
}
