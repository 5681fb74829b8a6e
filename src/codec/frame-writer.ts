/**
 * RFC 6455 §5.2 frames, one at a time: headers of 2, 4 or 10 bytes (+ 4 key
 * bytes when masked), payloads masked for the client role with fresh keys from
 * `crypto.getRandomValues`. A FrameWriter knows nothing of messages (the key
 * pool is its only state), so one per role can serve every connection in a
 * realm (server/frames.ts). FrameEncoder (frame-encoder.ts) batches frames on
 * top of it; `MessageSequence` (below) is where a sender's fragmentation is
 * tracked, for the encoder and the server's connections alike.
 *
 * Headers are written here in JavaScript rather than by a WASM kernel: the
 * payload bytes live in JavaScript memory, a header is 2–14 byte stores, and a
 * WASM call would cost more than the work. Payloads are masked by mask.ts's
 * `maskBytes`, which picks the JS loop or the WASM kernel by length.
 */
import { assertBytes, assertIndex, assertOptions, assertRole } from './bytes.js';
import { maskBytes } from './mask.js';
import {
  FIN, LENGTH_16, LENGTH_64, MASK_BIT, MAX_CONTROL_PAYLOAD, MIN_LENGTH_64, OPCODE_BINARY, OPCODE_CONTINUATION, OPCODE_PONG, OPCODE_TEXT, RSV1,
  isControlOpcode,
} from './protocol.js';

export interface FrameWriterOptions {
  /** 'client' masks every frame (RFC 6455 §5.3); 'server' never does. */
  role: 'server' | 'client';
}

/** Keys drawn per crypto.getRandomValues call (4 bytes each). */
const KEY_POOL_SIZE = 1024;
/** The most header bytes a frame of fewer than MIN_LENGTH_64 payload bytes takes (masked: 4 + a 4-byte key). */
export const MAX_HEADER_16 = 8;

// Module-local copies of protocol constants for the per-frame path. V8 (11.3)
// reads an imported or exported binding from its module cell, with a TDZ check,
// at every use in optimized code (~7 instructions each); a module's own
// unexported const is folded in. Measured on the 16 B masked frame (cachegrind).
const SHORT_LENGTHS = LENGTH_16;
const LONG_LENGTHS = MIN_LENGTH_64;
const MASKED = MASK_BIT;

/** `TypedArray.prototype.set`, called through a constant (see `put`). */
const copyBytes = Uint8Array.prototype.set;

/** Header bytes for a payload of `length` bytes. */
export function headerSize(length: number, masked: boolean): number {
  return (length < SHORT_LENGTHS ? 2 : length < LONG_LENGTHS ? 4 : 10) + (masked ? 4 : 0);
}

/** A frame's first byte: FIN and the opcode (which may carry RSV1, see checkFrame). */
export function firstByte(opcode: number, fin: boolean): number {
  return (fin ? FIN : 0) | opcode;
}

/**
 * Writes a frame header at `target[offset]` and returns the payload's offset.
 * When `masked`, the header carries the mask bit and the masking key, given as
 * a key word (mask.ts keyWord: key byte j is `(key >>> 8 * j) & 0xff`).
 */
export function writeHeader(target: Uint8Array, offset: number, first: number, length: number, masked: boolean, key: number): number {
  const maskBit = masked ? MASKED : 0;
  target[offset] = first;
  if (length < SHORT_LENGTHS) {
    target[offset + 1] = maskBit | length;
    offset += 2;
  } else {
    offset = writeExtendedLength(target, offset + 1, maskBit, length);
  }
  if (!masked) return offset;
  // Byte stores keep the low 8 bits: no `& 0xff` needed.
  target[offset] = key;
  target[offset + 1] = key >>> 8;
  target[offset + 2] = key >>> 16;
  target[offset + 3] = key >>> 24;
  return offset + 4;
}

/**
 * The second header byte and the 16- or 64-bit length after it, for payloads
 * of 126 bytes or more; returns the offset after them. A function of its own
 * so that the short frames' path stays small enough for V8 to inline whole.
 */
function writeExtendedLength(target: Uint8Array, offset: number, maskBit: number, length: number): number {
  if (length < LONG_LENGTHS) {
    target[offset] = maskBit | LENGTH_16;
    target[offset + 1] = length >>> 8;
    target[offset + 2] = length & 0xff;
    return offset + 3;
  }
  target[offset] = maskBit | LENGTH_64;
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
  return offset + 9;
}

/**
 * RFC 6455 §5.2, §5.5: a known opcode; control frames unfragmented with at most
 * 125 bytes. RFC 7692 §6: RSV1 (given with the opcode) only on the first frame
 * of a data message, marking it compressed.
 */
export function checkFrame(opcode: number, length: number, fin: boolean): void {
  if (opcode === (OPCODE_TEXT | RSV1) || opcode === (OPCODE_BINARY | RSV1)) return;
  if (isControlOpcode(opcode)) {
    if (opcode > OPCODE_PONG) throw new RangeError(`invalid opcode ${opcode}`);
    if (!fin) throw new RangeError('control frames cannot be fragmented');
    if (length > MAX_CONTROL_PAYLOAD) throw new RangeError(`control frame payload is ${length} bytes; at most ${MAX_CONTROL_PAYLOAD} allowed`);
  } else if (opcode > OPCODE_BINARY || !Number.isInteger(opcode) || opcode < 0) {
    throw new RangeError(`invalid opcode ${opcode}`);
  }
}

/**
 * The fragmentation of one sender's data messages (RFC 6455 §5.4): a message's
 * first frame has its opcode, the frames after it up to the one with FIN are
 * continuations. The server's connections take the opcodes it gives; the
 * encoder checks the ones it is given against it.
 */
export class MessageSequence {
  /** A message's first frame was sent without FIN: the next data frame continues it. */
  inProgress = false;

  /**
   * The opcode of the next frame of a message of `opcode` (text or binary):
   * `opcode` for its first frame, continuation after it. `fin` ends the message.
   */
  next(opcode: number, fin: boolean): number {
    const frame = this.inProgress ? OPCODE_CONTINUATION : opcode;
    this.inProgress = !fin;
    return frame;
  }

  /**
   * Checks that a frame of `opcode` (continuation, text or binary) may come
   * next, and records it.
   * @throws {Error} for a continuation with no message in progress, or a new message before the last one's FIN
   */
  check(opcode: number, fin: boolean): void {
    if (opcode === OPCODE_CONTINUATION) {
      if (!this.inProgress) throw new Error('no fragmented message to continue');
    } else if (this.inProgress) {
      throw new Error('a fragmented message is in progress: finish it with continuation(data, true)');
    }
    this.inProgress = !fin;
  }
}

export class FrameWriter {
  /** Whether frames are masked (client role). */
  readonly masked: boolean;
  /**
   * The key pool: KEY_POOL_SIZE fresh random 32-bit key words, handed out by
   * nextKey(). A key is 32 random bits whatever the platform's byte order, and
   * as a word it stays in a register from the header to the masking loop.
   */
  private readonly keys: Int32Array;
  private keyAt: number;

  /**
   * `name` is the constructor the errors name (a subclass passes its own).
   * @throws {TypeError} when `options` is missing or its role is not 'server' or 'client'
   */
  constructor(options: FrameWriterOptions, name = 'FrameWriter') {
    assertOptions(options, name, "{ role: 'server' }");
    assertRole(options.role, name);
    this.masked = options.role === 'client';
    this.keys = new Int32Array(this.masked ? KEY_POOL_SIZE : 0);
    this.keyAt = this.keys.length;
  }

  /** Bytes a frame with a payload of `payloadLength` bytes takes in this role. */
  frameSize(payloadLength: number): number {
    return headerSize(payloadLength, this.masked) + payloadLength;
  }

  /** The next fresh key word; the pool is refilled by one getRandomValues call per KEY_POOL_SIZE frames. */
  protected nextKey(): number {
    if (this.keyAt === this.keys.length) {
      crypto.getRandomValues(this.keys);
      this.keyAt = 0;
    }
    return this.keys[this.keyAt++];
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
    const size = this.frameSize(payload.length);
    if (offset + size > target.length) {
      throw new RangeError(`the frame needs ${size} bytes at offset ${offset}; target has ${target.length}`);
    }
    return this.put(target, offset, firstByte(opcode, fin), payload);
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
    return writeHeader(target, offset, firstByte(opcode, fin), payloadLength, false, 0);
  }

  /** Writes a header and `payload` (masked in the client role) at `target[offset]`, unchecked; returns the end. */
  protected put(target: Uint8Array, offset: number, first: number, payload: Uint8Array): number {
    const length = payload.length;
    if (this.masked) {
      const key = this.nextKey();
      const at = writeHeader(target, offset, first, length, true, key);
      maskBytes(payload, 0, key, target, at, length, 0);
      return at + length;
    }
    const at = writeHeader(target, offset, first, length, false, 0);
    // TypedArray.prototype.set even for a few bytes: on Node 20 it copies 16 B
    // in about half the time of a byte loop (15.7 vs 26-30 ns per 16 B frame).
    // Through a constant: V8 (11.3) does not inline the look-up of `set` on a
    // typed array, `target.set` calls the LoadIC builtin every time.
    copyBytes.call(target, payload, at);
    return at + length;
  }

  /**
   * Completes a frame whose `length` payload bytes are already in place at
   * `target[at]`: writes its header at `offset` (which must end at `at`) and,
   * in the client role, masks the payload in place. Unchecked; returns the end.
   */
  protected seal(target: Uint8Array, offset: number, first: number, at: number, length: number): number {
    const masked = this.masked;
    const key = masked ? this.nextKey() : 0;
    writeHeader(target, offset, first, length, masked, key);
    if (masked) maskBytes(target, at, key, target, at, length, 0);
    return at + length;
  }
}
