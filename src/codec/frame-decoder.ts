/**
 * A streaming RFC 6455 frame decoder: bytes in, messages and control frames out.
 *
 * Each batch of input is decoded in two phases. Phase 1 runs no user code: the
 * kernel parses and checks every frame header in the I/O region, unmasks the
 * payloads in place and validates text; then the payloads are copied out of
 * the region into JavaScript memory. Phase 2 runs the callbacks, in stream
 * order. So a callback may push into any decoder (this one included) and the
 * region may be overwritten: nothing a callback sees lives in WASM memory.
 *
 * The common case skips the event queue between the phases: when the input's
 * last kernel call leaves only whole messages, already copied out, the
 * callbacks run straight from the kernel's descriptor table (`deliverRows`),
 * with the I/O region no longer needed. The table is then live while user code
 * runs; a decode that would overwrite it (a push from a callback, into any
 * decoder) first queues this decoder's remaining rows (`spill`), and the
 * delivery goes on from the queue, in the same order as through phase 2.
 */
import { assertBytes, assertOptions, assertRole, describe } from './bytes.js';
import { FrameError, frameError } from './errors.js';
import {
  CLOSE_NO_STATUS, OPCODE_BINARY, OPCODE_BITS, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT, isControlOpcode,
  isValidCloseCode,
} from './protocol.js';
import { type FrameCore, frameCore } from './frame-core.js';
import { allocRaw, scratch, slab } from './slab.js';
import { Utf8Validator, nativeIsUtf8, validateUtf8Native } from './utf8.js';
import type { MessageDeflate } from './deflate/types.js';
import {
  DESCRIPTOR_WORDS, D_COMPRESSED, D_END, D_FIN, D_START, D_UTF8, D_VIEW, E_CLOSE_CODE, E_FRAGMENTS, E_UTF8, FLAG_DEFER_UTF8,
  FLAG_DEFLATE, FLAG_SERVER, FLAG_SKIP_UTF8, PHASE_STOPPED, STATE_WORDS, S_CONSUMED, S_ERROR, S_FLAGS, S_HEAD, S_MAX_PAYLOAD, S_PHASE,
  S_PIECE_END, S_UTF8, S_VIEW_END, S_VIEW_START, UTF8_INVALID, setState64,
} from './layout.js';

export interface FrameDecoderOptions {
  /** 'server' decodes frames from clients (they must be masked); 'client' frames from servers (must not be). */
  role: 'server' | 'client';
  /** Largest message accepted, in bytes, checked from frame headers (1009 beyond it). 0 = no limit. Default 100 MiB, as ws. */
  maxPayload?: number;
  /**
   * Most frames in one data message beyond one for every FRAGMENT_BYTES (16)
   * bytes of its payload received so far: a message whose fragments average
   * 16 bytes or more is never refused, while an endless or absurd stream of
   * empty or tiny fragments is failed with 1008 (a policy, not a size: the
   * message may be small). Default 16,384, ws's flat limit, so wsframe refuses
   * no message ws accepts; 0 = no limit.
   */
  maxFragments?: number;
  /** A complete data message. `data` is JavaScript memory owned by the callee: it stays valid. */
  onMessage(data: Uint8Array, isBinary: boolean): void;
  onPing?(data: Uint8Array): void;
  onPong?(data: Uint8Array): void;
  /** A close frame: its status code (1005 when it has no body) and reason. The decoder stops after it. */
  onClose?(code: number, reason: string): void;
  /** A protocol error: close the connection with `error.closeCode`. Reported once; the decoder stops. */
  onError?(error: FrameError): void;
  /**
   * Zero-copy delivery: `data` given to onMessage, onPing and onPong is valid
   * only until the callback returns (copy it to keep it), and its memory is
   * reused. Saves allocating fresh memory for every chunk. Default false.
   */
  transient?: boolean;
  /**
   * Do not check text messages and close reasons for UTF-8 (ws's `skipUTF8Validation`): only for peers
   * trusted to send valid text; an invalid close reason is decoded with U+FFFD replacements. Default false.
   */
  skipUTF8Validation?: boolean;
  /** Advanced: the kernels to decode with (`frameCore(kernels)`). Default: this realm's kernels. */
  core?: FrameCore;
  /**
   * Advanced: the class of the `data` given to onMessage, onPing and onPong, a Uint8Array
   * subclass constructed as `new viewType(arrayBuffer, byteOffset, length)` over the
   * decoder's memory. Default Uint8Array. wsframe's server passes a Buffer view class
   * (server/memory.ts): its listeners get Buffers for the cost of one object per message.
   */
  viewType?: ViewType;
  /**
   * permessage-deflate, when the handshake agreed it (RFC 7692): RSV1 then
   * marks a compressed message, which is inflated (never past `maxPayload`)
   * and, if text, UTF-8-validated as it inflates. Without it RSV1 is an error (1002).
   */
  deflate?: MessageDeflate;
}

/** A Uint8Array class whose instances view `length` bytes of `buffer` from `byteOffset` (FrameDecoderOptions.viewType). */
export type ViewType = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Uint8Array;

/** Default `maxPayload`: 100 MiB, as ws. */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

/** Default `maxFragments`: ws's flat limit. */
export const DEFAULT_MAX_FRAGMENTS = 16 * 1024;

/** Payload bytes that earn a message one more fragment beyond `maxFragments`. */
export const FRAGMENT_BYTES = 16;

/**
 * Largest block of a message being assembled. Blocks are never regrown or
 * copied until the message is complete (then joined once), so a partial
 * message costs its size plus less than one block, a frame header alone
 * (before its payload arrives) at most one block, and no read copies more
 * than the bytes it brought plus one block.
 */
const BLOCK = 1 << 20;

/**
 * Transient mode: a single-frame message of at most this many bytes that spans
 * inputs is assembled in a buffer the decoder keeps and reuses (its view is
 * valid only during the callback), not in fresh memory: no allocation and no
 * writes to memory that is not in cache for the message that straddles two
 * reads. The decoder keeps two such buffers, because one message may complete
 * and the next begin in the same input; so a transient decoder holds at most
 * 2 × 64 KiB. Longer messages, fragmented ones and owned mode use fresh memory.
 */
const REUSED_MAX = 64 * 1024;

/** Bytes per descriptor in a read's range of whole messages from which copyOut looks for where to end a copy. */
const SCAN_BYTES = 1024;

/** Event arrays up to this length are kept between batches (a 64 KiB chunk holds about 3,000 16-byte messages). */
const KEEP_EVENTS = 4096;

// Event kinds besides the opcodes (text, binary, close, ping, pong). A data message still
// to be inflated is its opcode | D_COMPRESSED until the end of phase 1.
const EVENT_ERROR = -1;

// Module-local copies of the layout's and protocol's constants for the per-message path (collect's
// loop, deliver). V8 (11.3) reads an imported binding from its module cell, with a TDZ check, at every
// use in optimized code (~7 instructions each); a module's own unexported const is folded in. Measured on
// 16 B messages (cachegrind): see bench/results/restructure-ab.md.
const WORDS = DESCRIPTOR_WORDS;
const PIECE_END = S_PIECE_END;
const VIEW = D_VIEW;
const DEFERRED_UTF8 = D_UTF8;
const KIND_BITS = OPCODE_BITS | D_COMPRESSED;
const OPCODE = OPCODE_BITS;
const COMPRESSED = D_COMPRESSED;
const CLOSE = OPCODE_CLOSE;
const TEXT = OPCODE_TEXT;
const BINARY = OPCODE_BINARY;

/**
 * `TypedArray.prototype.set` (every typed array's `set`), called through a constant for the copies made per read
 * (the state words in and out of WASM, a read's messages into the slab): V8 (11.3) never inlines the look-up of
 * `set` on a typed array, so `array.set(...)` calls the LoadIC builtin first (1.2 % of a 16 B echo server's
 * samples); through the constant TurboFan calls the builtin directly (as frame-writer.ts and server/frames.ts do).
 */
const copyInto = Uint8Array.prototype.set;
/** `TypedArray.prototype.subarray` through a constant, for the same reason (the region's range copied per read). */
const rangeOf = Uint8Array.prototype.subarray;

const EMPTY = new Uint8Array(0);
/** `EMPTY.buffer`, read once: the getter is a LoadIC call where it is read per read (collect, deliverRows). */
const NO_COPY = EMPTY.buffer;
/** `thrown` while no callback of a direct delivery has thrown. */
const NOT_THROWN = {};
/**
 * The decoder delivering straight from the descriptor table (deliverRows), if any. Module-wide, not per
 * core: two cores may share a table (frameCore() of the same kernels), and a needless spill is only slower.
 */
let live: FrameDecoder | null = null;
const noop = (): void => {};
const closeReasonDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossyReasonDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
let defaultCore: FrameCore | undefined;

export class FrameDecoder {
  private readonly core: FrameCore;
  /** The kernel's state between calls (the layout of layout.ts). */
  private readonly state = new Int32Array(STATE_WORDS);
  private readonly onMessage: (data: Uint8Array, isBinary: boolean) => void;
  private readonly onPing: (data: Uint8Array) => void;
  private readonly onPong: (data: Uint8Array) => void;
  private readonly onClose: (code: number, reason: string) => void;
  private readonly onError: (error: FrameError) => void;
  private readonly transient: boolean;
  private readonly View: ViewType;
  private readonly reasonDecoder: TextDecoder;

  // Events decoded but not yet delivered, in stream order.
  // Kept at their high-water length (no regrowth per batch); `count` entries are live.
  private readonly kinds: number[] = [];
  private readonly datas: Uint8Array[] = [];
  private count = 0;
  private head = 0;
  private delivering = false;
  /**
   * While `live` is this decoder: the rows still to deliver, `table[liveRow, liveEnd)`, all whole messages or
   * control frames viewed over `liveCopy` (a region offset minus `liveShift` is their offset in it).
   */
  private liveRow = 0;
  private liveEnd = 0;
  private liveCopy: ArrayBufferLike = NO_COPY;
  private liveShift = 0;
  /** What a callback of the direct delivery threw, rethrown once the decode is done; else NOT_THROWN. */
  private thrown: unknown = NOT_THROWN;

  /**
   * The data message being assembled from pieces (it spans inputs or
   * fragments): full `blocks`, then `block`, filled up to `blockUsed`.
   */
  private blocks: Uint8Array[] = [];
  private block: Uint8Array = EMPTY;
  private blockUsed = 0;
  /**
   * A single large frame's first block, while `block` is the frame's own
   * buffer: copied into that buffer's first bytes at the join, not when the
   * buffer is taken, so no read fills a block's worth of fresh pages at once
   * (a MiB there took 4-7 ms, and several connections' in one turn held a
   * bystander's read for tens of ms: bench/hostile.bench.mjs).
   */
  private lead: Uint8Array = EMPTY;
  private messageLength = 0;
  private messageOpcode = 0;
  private fragments = 0;
  /** Where the current frame of that message ends, counted in message bytes. */
  private frameEnd = 0;
  private readonly maxFragments: number;
  /**
   * Transient mode's reused assembly buffers (REUSED_MAX), allocated when first
   * needed. `reusedHeld[i]`: buffer i holds a message being assembled or not yet
   * delivered (or being delivered); released once the delivery loop has run.
   */
  private readonly reused: Uint8Array[] = [];
  private readonly reusedHeld: boolean[] = [];
  /** A control frame split across inputs. */
  private control: Uint8Array = EMPTY;
  private controlLength = 0;

  private closeCode = 0;
  private closeReason = '';
  private failure: FrameError | null = null;

  private readonly deflate: MessageDeflate | undefined;
  private readonly maxPayload: number;
  /** Events from this index on may still be compressed (set when one is queued). */
  private inflateFrom = -1;
  private validator: Utf8Validator | undefined;
  /** `validator.push` as the inflater's check, made once. */
  private checkText: ((piece: Uint8Array) => boolean) | undefined;

  /** @throws {TypeError|RangeError} when `options` is missing or has a wrong value; the message names it */
  constructor(options: FrameDecoderOptions) {
    assertOptions(options, 'FrameDecoder', "{ role: 'server', onMessage(data, isBinary) {} }");
    assertRole(options.role, 'FrameDecoder');
    for (const name of ['onMessage', 'onPing', 'onPong', 'onClose', 'onError'] as const) {
      const callback: unknown = options[name];
      if (typeof callback === 'function' || (callback === undefined && name !== 'onMessage')) continue;
      throw new TypeError(`FrameDecoder: ${name} must be a function, got ${describe(callback)}`);
    }
    const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isSafeInteger(maxPayload) || maxPayload < 0) {
      throw new RangeError(`maxPayload must be a non-negative safe integer, got ${maxPayload}`);
    }
    const maxFragments = options.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
    if (!Number.isSafeInteger(maxFragments) || maxFragments < 0) {
      throw new RangeError(`maxFragments must be a non-negative safe integer, got ${maxFragments}`);
    }
    this.maxFragments = maxFragments === 0 ? Infinity : maxFragments;
    this.core = options.core ?? (defaultCore ??= frameCore());
    this.onMessage = options.onMessage;
    this.onPing = options.onPing ?? noop;
    this.onPong = options.onPong ?? noop;
    this.onClose = options.onClose ?? noop;
    this.onError = options.onError ?? noop;
    this.transient = options.transient === true;
    this.View = options.viewType ?? Uint8Array;
    this.deflate = options.deflate;
    this.maxPayload = maxPayload;
    this.reasonDecoder = options.skipUTF8Validation === true ? lossyReasonDecoder : closeReasonDecoder;
    // Long text goes to Node's faster validator where there is one (utf8.ts: nativeIsUtf8);
    // FLAG_SKIP_UTF8 takes precedence in the kernel, so skipped text is never deferred.
    this.state[S_FLAGS] = (options.role === 'server' ? FLAG_SERVER : 0) | (options.deflate ? FLAG_DEFLATE : 0) |
      (nativeIsUtf8 ? FLAG_DEFER_UTF8 : 0) | (options.skipUTF8Validation === true ? FLAG_SKIP_UTF8 : 0);
    setState64(this.state, S_MAX_PAYLOAD, maxPayload);
  }

  /** The protocol error that stopped the decoder, if any. */
  get error(): FrameError | null {
    return this.failure;
  }

  /** Bytes of the data message being assembled from pieces (it spans inputs or fragments) so far; 0 when there is none. */
  get partialLength(): number {
    return this.block === EMPTY ? 0 : this.messageLength;
  }

  /** Whether the decoder has stopped (after a close frame or a protocol error) and ignores further input. */
  get stopped(): boolean {
    return this.state[S_PHASE] === PHASE_STOPPED;
  }

  /**
   * Decodes `chunk` (any size; it is copied, the caller keeps ownership) and
   * runs the callbacks for everything it completes. Safe to call from a callback:
   * the new events are delivered after the pending ones. Never throws for bad
   * input: protocol errors go to `onError`. Exceptions from callbacks propagate;
   * undelivered events are then delivered by the next push.
   */
  push(chunk: Uint8Array): void {
    assertBytes(chunk, 'chunk');
    const { io } = this.core;
    const size = io.length;
    for (let at = 0; at < chunk.length && !this.stopped; at += size) {
      const n = Math.min(size, chunk.length - at);
      copyInto.call(io, n === chunk.length ? chunk : chunk.subarray(at, at + n));
      this.decode(n, at + n === chunk.length);
    }
    this.deliver();
  }

  /**
   * Decodes `io[0, length)`: bytes the caller has already placed in the I/O
   * region (e.g. a socket read straight into it), then runs the callbacks. The
   * region is free again when this returns (in fact before the first callback).
   */
  pushIO(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.core.io.length) {
      throw new RangeError(`length must be an integer in [0, ${this.core.io.length}], got ${length}`);
    }
    this.decode(length, true);
    this.deliver();
  }

  /**
   * Phase 1: decodes `io[0, length)` into events. Runs no user code, except
   * that the input's last kernel call may deliver straight from the table
   * (`last`: no input follows this region's in this push; see deliverRows).
   */
  private decode(length: number, last: boolean): void {
    const state = this.state;
    if (live !== null) live.spill();
    if (state[S_PHASE] === PHASE_STOPPED) return;
    const core = this.core;
    const slot = core.state;
    for (let offset = 0; offset < length;) {
      copyInto.call(slot, state);
      let count = core.decodeFrames(core.ioPtr + offset, length - offset);
      copyInto.call(state, slot);
      // A deferred piece of a message in progress ends the call; deferred whole messages are checked in collect.
      if (count !== 0 && (core.table[(count - 1) * DESCRIPTOR_WORDS] & (D_UTF8 | D_VIEW)) === D_UTF8) {
        count = this.validateText(offset, count - 1);
      }
      const consumed = state[S_CONSUMED];
      const final = state[S_PHASE] === PHASE_STOPPED || consumed === 0 || offset + consumed >= length;
      if (count !== 0) this.collect(offset, count, final && last);
      if (final) break;
      offset += consumed;
    }
    if (this.inflateFrom >= 0) this.inflate();
    if (state[S_ERROR] !== 0 && this.failure === null) this.fail(frameError(state[S_ERROR], state[S_HEAD]));
    if (this.thrown !== NOT_THROWN) {
      // After the events behind it are queued: the next push delivers them, as when phase 2's callback throws.
      const thrown = this.thrown;
      this.thrown = NOT_THROWN;
      throw thrown;
    }
  }

  /**
   * Validates the text piece of descriptor `i`, which the kernel left to
   * `nativeIsUtf8` (D_UTF8 on a piece of a message in progress, always the call's last): continues the message's
   * UTF-8 state, or stops the decoder with E_UTF8 (the piece is dropped) when
   * the text so far is invalid or the message ends inside a character. Returns
   * how many descriptors to collect.
   */
  private validateText(base: number, i: number): number {
    const { io, table } = this.core;
    const d = i * DESCRIPTOR_WORDS;
    const flags = table[d];
    const start = base + table[d + 1];
    const utf8 = validateUtf8Native(io.subarray(start, start + table[d + 2]), this.state[S_UTF8], nativeIsUtf8!);
    if ((utf8 | 0) === UTF8_INVALID || ((flags & (D_END | D_FIN)) === (D_END | D_FIN) && utf8 !== 0)) {
      this.state[S_ERROR] = E_UTF8;
      this.state[S_PHASE] = PHASE_STOPPED;
      return i;
    }
    this.state[S_UTF8] = utf8;
    return i + 1;
  }

  /**
   * Inflates the compressed messages among the events queued by this decode,
   * in order. It runs once the kernel is done with the I/O region, which UTF-8
   * validation may reuse. A message that fails (bad DEFLATE data, too big,
   * not UTF-8) drops every event after it and stops the decoder.
   */
  private inflate(): void {
    const kinds = this.kinds;
    const datas = this.datas;
    const deflate = this.deflate!;
    for (let i = this.inflateFrom; i < this.count; i++) {
      const kind = kinds[i];
      if (kind < 0 || (kind & D_COMPRESSED) === 0) continue;
      const opcode = kind & OPCODE_BITS;
      let validator: Utf8Validator | undefined;
      if (opcode === OPCODE_TEXT && (this.state[S_FLAGS] & FLAG_SKIP_UTF8) === 0) {
        validator = this.validator ??= new Utf8Validator();
        validator.reset();
      }
      let result = deflate.decompress(datas[i], this.maxPayload, validator && (this.checkText ??= (piece) => this.validator!.push(piece)));
      if (validator !== undefined && !(result instanceof FrameError) && !validator.end()) result = frameError(E_UTF8);
      if (result instanceof FrameError) {
        datas.fill(EMPTY, i, this.count);
        this.count = i;
        this.fail(result);
        break;
      }
      kinds[i] = opcode;
      datas[i] = this.asView(result);
    }
    this.inflateFrom = -1;
  }

  /**
   * Turns `count` descriptors of a call on `io[base, ...)` into events, copying payloads out of the region.
   * `final`: the input's last call, whose whole messages may be delivered at once (deliverRows).
   */
  private collect(base: number, count: number, final: boolean): void {
    const table = this.core.table;
    const io = this.core.io;
    // Whole messages and control frames become views of copies of the range they span: one copy into scratch
    // memory (transient mode), else as few copies as fill the shared slab (see copyOut).
    const viewStart = this.state[S_VIEW_START];
    const viewEnd = this.state[S_VIEW_END];
    const size = viewEnd - viewStart;
    // The copy the views are made over: `copyEnd` is where it ends in the region (relative to `base`), and a
    // region offset minus `copyShift` is its offset in `copy`.
    let copy: ArrayBufferLike = NO_COPY;
    let copyShift = viewStart;
    let copyEnd = viewStart;
    // Scratch memory only for a decode that no running callback can observe.
    if (size > 0 && this.transient && scratch.deliveries === 0 && scratch.used + size <= scratch.bytes.length) {
      const at = scratch.used;
      scratch.used = at + size;
      copyInto.call(scratch.bytes, rangeOf.call(io, base + viewStart, base + viewEnd), at);
      copy = scratch.bytes.buffer;
      copyShift = viewStart - scratch.bytes.byteOffset - at;
      copyEnd = viewEnd;
    }
    const end = count * WORDS;
    for (let i = 0; i < end; i += WORDS) {
      const flags = table[i];
      if ((flags & VIEW) !== 0) {
        const start = table[i + 1];
        if (start + table[i + 2] > copyEnd) {
          // Not in the copy made so far: copy it and what follows (copyOut's copy ends the slab's used bytes).
          copyEnd = this.copyOut(base, i, end, viewEnd);
          copy = slab.buffer;
          copyShift = start - (slab.offset + slab.used - (copyEnd - start));
        }
        // No piece from row i on (the kernel's S_PIECE_END): the rest of the table is whole messages and control frames.
        if (final && copyEnd >= viewEnd && this.count === 0 && !this.delivering && !this.transient && i >= this.state[PIECE_END] * WORDS) {
          return this.deliverRows(i, end, copy, copyShift);
        }
        if (!this.queueView(flags, new this.View(copy, start - copyShift, table[i + 2]))) break;
      } else {
        this.piece(flags, io.subarray(base + table[i + 1], base + table[i + 1] + table[i + 2]), table[i + 3]);
        if (this.failure !== null) break; // refused in JavaScript (too many fragments): nothing after it counts
      }
    }
  }

  /**
   * Queues the event of a whole message or control frame, `data` its copy; false (and the decoder stopped) for a
   * whole text message the kernel left to the native validator (it went on after it) that is not UTF-8: it and
   * everything after it are dropped.
   */
  private queueView(flags: number, data: Uint8Array): boolean {
    if ((flags & DEFERRED_UTF8) !== 0 && !nativeIsUtf8!(data)) {
      this.state[S_ERROR] = E_UTF8;
      this.state[S_PHASE] = PHASE_STOPPED;
      return false;
    }
    if ((flags & OPCODE) === CLOSE) this.closeFrame(data);
    else {
      const n = this.count;
      if ((flags & COMPRESSED) !== 0 && this.inflateFrom < 0) this.inflateFrom = n;
      this.kinds[n] = flags & KIND_BITS;
      this.datas[n] = data;
      this.count = n + 1;
    }
    return true;
  }

  /**
   * Delivers the whole messages and control frames of `table[i, end)`, viewed over `copy`, as phase 2 would,
   * with no event queued: nothing is queued before them and they are the input's last (no more I/O or table
   * use by this decode). The table stays live while the callbacks run: `spill` queues what is left if a callback
   * makes the kernel run again. A compressed message, a close frame, and whatever follows them go to the queue.
   * A callback that throws has the rows after its own queued, and its exception rethrown at the end of decode.
   */
  private deliverRows(i: number, end: number, copy: ArrayBufferLike, copyShift: number): void {
    const table = this.core.table;
    const View = this.View;
    live = this;
    this.liveEnd = end;
    this.liveCopy = copy;
    this.liveShift = copyShift;
    this.delivering = true;
    for (; i < end; i += WORDS) {
      const flags = table[i];
      // Outside the try: V8 (11.3) builds the view inline only there (inside, the typed array's construction
      // goes through the generic constructor stub, about 4% of a 16 B echo's in-process samples).
      const data = new View(copy, table[i + 1] - copyShift, table[i + 2]);
      this.liveRow = i + WORDS;
      const kind = flags & KIND_BITS;
      if ((flags & DEFERRED_UTF8) !== 0 || this.count !== 0 || kind === CLOSE || kind > OPCODE) {
        if (!this.queueView(flags, data)) break;
        continue;
      }
      try {
        if (kind === TEXT) this.onMessage(data, false);
        else if (kind === BINARY) this.onMessage(data, true);
        else if (kind === OPCODE_PING) this.onPing(data);
        else this.onPong(data);
      } catch (error) {
        if (live === this) this.spill();
        this.thrown = error;
        break;
      }
      if (live !== this) break; // spilled: the rest is queued
    }
    if (live === this) live = null;
    this.liveCopy = NO_COPY; // an idle decoder holds no slab
    this.delivering = false;
  }

  /** A decode is about to overwrite the table this decoder delivers from: queues the rows still to deliver. */
  private spill(): void {
    live = null;
    const table = this.core.table;
    for (let i = this.liveRow; i < this.liveEnd; i += WORDS) {
      if (!this.queueView(table[i], new this.View(this.liveCopy, table[i + 1] - this.liveShift, table[i + 2]))) break;
    }
  }

  /**
   * Copies whole messages and control frames from the one of descriptor `i` on into the shared slab and returns
   * where the copy ends in the region (relative to `base`); the copy's last byte is the slab's last used one. It
   * ends at `viewEnd`, or earlier at the end of the last of them that fits in the slab's room (so no slab is
   * left half unused because the whole range did not fit; the first alone goes into a new slab when it does not
   * fit), or at the end of the first text message left to the native validator (collect checks each right after
   * its copy, while the copy is in the cache: copying three 16 KiB messages at once and then checking them cost
   * about 5% more at 16 KiB). The descriptors are scanned only when the range does not fit or holds at least
   * SCAN_BYTES per descriptor, so short messages pay nothing for it.
   */
  private copyOut(base: number, i: number, end: number, viewEnd: number): number {
    const table = this.core.table;
    const from = table[i + 1];
    let to = viewEnd;
    const room = slab.room;
    if (to - from > room || (to - from) * WORDS >= (end - i) * SCAN_BYTES) {
      to = from;
      for (let j = i; j < end; j += WORDS) {
        const flags = table[j];
        if ((flags & VIEW) === 0) continue;
        const last = table[j + 1] + table[j + 2];
        if (last - from > room && j !== i) break;
        to = last;
        if (last - from > room || (flags & DEFERRED_UTF8) !== 0) break;
      }
    }
    const at = slab.reserve(to - from);
    copyInto.call(slab.bytes, rangeOf.call(this.core.io, base + from, base + to), at);
    return to;
  }

  /** A piece of a frame that spans inputs, or of a fragmented message: assembled in JavaScript memory. */
  private piece(flags: number, bytes: Uint8Array, frameLength: number): void {
    const opcode = flags & OPCODE_BITS;
    if (isControlOpcode(opcode)) {
      if ((flags & D_START) !== 0) {
        this.control = slab.take(frameLength);
        this.controlLength = 0;
      }
      this.control.set(bytes, this.controlLength);
      this.controlLength += bytes.length;
      if ((flags & D_END) === 0) return;
      const data = new this.View(this.control.buffer, this.control.byteOffset, this.controlLength);
      this.control = EMPTY;
      if (opcode === OPCODE_CLOSE) this.closeFrame(data);
      else {
        this.emit(opcode, data);
      }
      return;
    }
    if ((flags & D_START) !== 0) {
      if (opcode !== 0) {
        this.messageOpcode = flags & (OPCODE_BITS | D_COMPRESSED);
        this.messageLength = 0;
        this.fragments = 0;
      }
      if (++this.fragments > this.maxFragments + this.messageLength / FRAGMENT_BYTES) return this.fail(frameError(E_FRAGMENTS));
      this.frameEnd = this.messageLength + frameLength;
    }
    this.append(bytes, (flags & D_FIN) !== 0);
    if ((flags & (D_END | D_FIN)) === (D_END | D_FIN)) {
      if ((flags & D_COMPRESSED) !== 0 && this.inflateFrom < 0) this.inflateFrom = this.count;
      this.emit(this.messageOpcode, this.asView(this.join()));
    }
  }

  /**
   * Copies a piece of the message into its blocks, starting a block when the
   * current one is full. Already-copied bytes are never copied again until the
   * message is complete, except the first block of a single-frame message.
   */
  private append(bytes: Uint8Array, finalFrame: boolean): void {
    for (let at = 0; at < bytes.length;) {
      if (this.blockUsed === this.block.length) {
        if (finalFrame && this.fragments === 1 && this.block.length !== 0 && this.frameEnd > this.block.length) {
          // A single frame longer than BLOCK, and BLOCK bytes of it have arrived: one buffer for all of it
          // (its length passed maxPayload), so it needs no join but this first block's copy, which keeps its
          // place (blockUsed) and is made when the message completes (see `lead`). The buffer is not
          // zero-filled, so its pages become resident only as the bytes arrive.
          this.lead = this.block;
          this.block = slab.take(this.frameEnd);
        } else {
          this.placeLead();
          if (this.block.length !== 0) this.blocks.push(this.block);
          // A final frame's end is known: no slack. Otherwise grow with what has arrived (geometric, so few
          // blocks). (frameEnd can fall short only for a frame past 2^31 bytes, whose length hint is clamped.)
          const size = Math.max(finalFrame ? this.frameEnd - this.messageLength : this.messageLength, bytes.length - at);
          // All of a single-frame message in one block (of its exact length): transient mode may reuse one.
          this.block = this.transient && finalFrame && this.fragments === 1 && this.messageLength === 0 && size <= REUSED_MAX
            ? this.reusedBlock(size)
            : slab.take(Math.min(size, BLOCK));
          this.blockUsed = 0;
        }
      }
      const n = Math.min(bytes.length - at, this.block.length - this.blockUsed);
      this.block.set(n === bytes.length ? bytes : bytes.subarray(at, at + n), this.blockUsed);
      this.blockUsed += n;
      this.messageLength += n;
      at += n;
    }
  }

  /** `size` bytes of a free reused assembly buffer (transient mode), now held; fresh memory if both are held. */
  private reusedBlock(size: number): Uint8Array {
    for (let i = 0; i < 2; i++) {
      if (this.reusedHeld[i] === true) continue;
      // Sized to the largest message it served so far (never past REUSED_MAX).
      if (i === this.reused.length || this.reused[i].length < size) this.reused[i] = allocRaw(size);
      this.reusedHeld[i] = true;
      return this.reused[i].subarray(0, size);
    }
    return slab.take(size);
  }

  /**
   * Releases the reused buffers once no event references them (after the
   * delivery loop, or after evacuate), except the one holding the message
   * being assembled.
   */
  private releaseReused(): void {
    for (let i = 0; i < this.reused.length; i++) this.reusedHeld[i] = this.block.buffer === this.reused[i].buffer;
  }

  /** The assembled message: its one block as it is, or all blocks copied once into one buffer. */
  private join(): Uint8Array {
    this.placeLead();
    const { blocks, block, blockUsed } = this;
    let message: Uint8Array;
    if (blocks.length === 0) message = blockUsed === block.length ? block : block.subarray(0, blockUsed);
    else {
      message = slab.take(this.messageLength);
      let at = 0;
      for (const full of blocks) {
        message.set(full, at);
        at += full.length;
      }
      message.set(block.subarray(0, blockUsed), at);
      this.blocks = [];
    }
    this.block = EMPTY;
    this.blockUsed = 0;
    return message;
  }

  /** Copies the first block (`lead`) into the start of the frame's own buffer. */
  private placeLead(): void {
    if (this.lead === EMPTY) return;
    this.block.set(this.lead);
    this.lead = EMPTY;
  }

  /** Checks a close frame's body (RFC 6455 §5.5.1, §7.4) and records it. */
  private closeFrame(data: Uint8Array): void {
    let code = CLOSE_NO_STATUS;
    let reason = '';
    if (data.length >= 2) {
      code = (data[0] << 8) | data[1];
      if (!isValidCloseCode(code)) return this.fail(frameError(E_CLOSE_CODE));
      try {
        reason = this.reasonDecoder.decode(data.subarray(2));
      } catch {
        return this.fail(frameError(E_UTF8));
      }
    }
    this.closeCode = code;
    this.closeReason = reason;
    this.emit(OPCODE_CLOSE, data);
  }

  private fail(error: FrameError): void {
    this.failure = error;
    this.blocks = []; // a partial message is never delivered: free it now, not when the connection goes
    this.block = EMPTY;
    this.lead = EMPTY;
    this.state[S_PHASE] = PHASE_STOPPED;
    this.emit(EVENT_ERROR, EMPTY);
  }

  private emit(kind: number, data: Uint8Array): void {
    const n = this.count;
    this.kinds[n] = kind;
    this.datas[n] = data;
    this.count = n + 1;
  }

  /** `bytes` as an instance of the delivered view class (the same memory). */
  private asView(bytes: Uint8Array): Uint8Array {
    return this.View === Uint8Array ? bytes : new this.View(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  /** Moves undelivered events out of scratch memory and reused buffers, which are about to be reused. */
  private evacuate(): void {
    const datas = this.datas;
    for (let j = this.head; j < this.count; j++) {
      const buffer = datas[j].buffer;
      if (buffer === scratch.bytes.buffer || this.reused.some((reused) => reused.buffer === buffer)) {
        const copy = slab.take(datas[j].length);
        copy.set(datas[j]);
        datas[j] = this.asView(copy);
      }
    }
  }

  /** Phase 2: runs the callbacks for the pending events, in order. */
  private deliver(): void {
    // Nothing queued (the common case: delivered from the table) needs no loop, and owned mode no scratch reset.
    if (this.delivering || (this.count === 0 && !this.transient)) return;
    this.delivering = true;
    scratch.deliveries++;
    const kinds = this.kinds;
    const datas = this.datas;
    let i = this.head;
    let done = false;
    try {
      for (; i < this.count; i++) {
        const kind = kinds[i];
        if (kind === TEXT) this.onMessage(datas[i], false);
        else if (kind === BINARY) this.onMessage(datas[i], true);
        else if (kind === OPCODE_PING) this.onPing(datas[i]);
        else if (kind === OPCODE_PONG) this.onPong(datas[i]);
        else if (kind === OPCODE_CLOSE) this.onClose(this.closeCode, this.closeReason);
        else if (kind === EVENT_ERROR) this.onError(this.failure!);
      }
      // Drop the references so delivered data can be collected; keep small arrays for the next batch.
      if (this.count > KEEP_EVENTS) {
        kinds.length = 0;
        datas.length = 0;
      } else {
        // A loop, not `fill`: Array.prototype.fill is a C++ builtin in V8, a runtime call per batch.
        for (let j = 0; j < i; j++) datas[j] = EMPTY;
      }
      this.count = 0;
      done = true;
      if (this.transient) this.releaseReused();
    } finally {
      // After a callback threw, the next push resumes behind its event.
      this.head = done ? 0 : i + 1;
      if (!done) {
        this.evacuate();
        if (this.transient) this.releaseReused();
      }
      this.delivering = false;
      if (--scratch.deliveries === 0) scratch.used = 0;
    }
  }
}
