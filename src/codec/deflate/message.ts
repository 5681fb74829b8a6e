/**
 * permessage-deflate on any zlib engine (types.ts `DeflateEngine`), driven
 * synchronously: a message is compressed or inflated inside the call that
 * needs it, with no thread-pool round trip and no per-message stream object.
 * One long-lived stream serves many messages: reset between messages (no
 * context takeover) or not (context takeover).
 *
 * - Shared state (no context takeover on a side): one compressor per engine
 *   and configuration and one decompressor per engine, reset after every
 *   message. A connection holds none.
 * - Dedicated state (context takeover): a compressor and/or a decompressor per
 *   connection, created at its first message, freed by `close()`.
 * - Where WebAssembly runs, the WASM compressor (wasm-compressor.ts) takes
 *   over from zlib: without context takeover for messages of 1 to
 *   `engine.wasmMax.compress` bytes (faster than zlib at that size, nothing to
 *   reset); with context takeover for every message, as the connection's own
 *   stream (its region, taken at the first message, freed by `close()`).
 * - Where WebAssembly runs, the WASM decompressor (wasm-inflater.ts) inflates
 *   the messages the peer compressed without context takeover, of up to
 *   `engine.wasmMax.inflate` compressed bytes (a stream of their own each, so
 *   no state to keep); zlib inflates the rest, and every message of a peer that
 *   takes over its context (zlib's window is then the connection's).
 *
 * zlib (and pako, its port) cannot make a raw DEFLATE stream with an 8-bit
 * window: as ws (through Node) does, the compressor uses 9 bits when 8 were
 * agreed. That is safe on the wire: zlib never emits a distance beyond its
 * window minus 262 bytes (250 with 9 bits), inside the 256 bytes a peer with
 * an 8-bit window keeps.
 *
 * Memory: every engine writes into its own 64 KiB output buffer, one zlib call
 * at a time (everything here is synchronous); pieces are copied out at once
 * into the codec's shared slabs (slab.ts), and results are caller-owned views
 * of them, valid for as long as the caller keeps them. The one exception is
 * `compress(…, borrow)`: the WASM compressor's output as it is, a view of its
 * memory valid until the next compression in this realm.
 */
import { type FrameError, frameError } from '../errors.js';
import { DEFLATE_STREAM_CHUNK, E_DEFLATE_DATA, E_MAX_PAYLOAD, E_UTF8 } from '../layout.js';
import { slab } from '../slab.js';
import type { DeflateParams } from './negotiate.js';
import type { DeflateEngine, DeflateSettings, MessageDeflate, RawStream } from './types.js';
import { wasmCompressor, wasmStream } from './wasm-compressor.js';
import { wasmInflater } from './wasm-inflater.js';

/** The end of a flushed DEFLATE stream: stripped by the sender, put back by the receiver (RFC 7692 §7.2). */
const TRAILER = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** An empty message, compressed (RFC 7692 §7.2.3.6). */
const EMPTY_MESSAGE = new Uint8Array([0x00]);

/** Payloads up to this size (with the trailer) are inflated in one zlib call, from `joined`. */
const JOINED_BYTES = 16 * 1024;
const joined = new Uint8Array(JOINED_BYTES);

/** `data` with the trailer after it, in `joined` (valid until the next call; everything here is synchronous). */
function withTrailer(data: Uint8Array): Uint8Array {
  joined.set(data);
  joined.set(TRAILER, data.length);
  return joined.subarray(0, data.length + TRAILER.length);
}

/** Size of the output buffer each engine's streams write into. */
export const OUTPUT_BYTES = 64 * 1024;

/** The output buffer of each engine (streams of one engine take turns: everything is synchronous). */
const outputs = new WeakMap<DeflateEngine, Uint8Array>();

/**
 * Writes `input` through `stream` with a sync flush (a full flush with
 * `forget`: see RawStream.step), handing each piece of output (a view of the
 * engine's output buffer, valid until the next write) to `sink`; stops when
 * `sink` returns false. Returns false if the stream found the input invalid.
 */
function write(engine: DeflateEngine, stream: RawStream, input: Uint8Array, sink: (piece: Uint8Array) => boolean, forget = false): boolean {
  let out = outputs.get(engine);
  if (out === undefined) outputs.set(engine, (out = new Uint8Array(OUTPUT_BYTES)));
  let at = 0;
  for (;;) {
    if (!stream.step(input, at, out, forget)) return false;
    at = stream.consumed;
    const produced = stream.produced;
    if (produced > 0 && !sink(out.subarray(0, produced))) return true;
    // A full output buffer means zlib may have more to give.
    if (produced < out.length) return true;
  }
}

/**
 * Pieces gathered into one caller-owned array, in slab memory (slab.ts): an
 * ArrayBuffer per message would cost about 1 µs, as much as inflating a
 * small one.
 */
class Gather {
  pieces: Uint8Array[] = [];
  length = 0;

  add(piece: Uint8Array): void {
    const copy = slab.take(piece.length);
    copy.set(piece);
    this.pieces.push(copy);
    this.length += piece.length;
  }

  /** The first `length` bytes gathered, as one array. */
  take(length = this.length): Uint8Array {
    if (this.pieces.length === 1) return length === this.length ? this.pieces[0] : this.pieces[0].subarray(0, length);
    const result = slab.take(length);
    let at = 0;
    for (const piece of this.pieces) {
      const n = Math.min(piece.length, length - at);
      result.set(piece.subarray(0, n), at);
      at += n;
      if (at === length) break;
    }
    return result;
  }
}

/**
 * The message being inflated: its pieces, its limit and check, the error that stopped it. One per realm, reused
 * by every `decompress` (synchronous, and never re-entered: `check` is the decoder's UTF-8 validator), so that
 * inflating a message allocates no closure and no Gather of its own.
 */
class Inflation extends Gather {
  private maxLength = 0;
  private check: ((piece: Uint8Array) => boolean) | undefined = undefined;
  error: FrameError | undefined = undefined;
  /** The engines' sink (made once): takes a piece, or stops them (false) past the limit or at a failed check. */
  readonly sink = (piece: Uint8Array): boolean => {
    if (this.maxLength !== 0 && this.length + piece.length > this.maxLength) this.error = frameError(E_MAX_PAYLOAD);
    else if (this.check !== undefined && !this.check(piece)) this.error = frameError(E_UTF8);
    else this.add(piece);
    return this.error === undefined;
  };

  start(maxLength: number, check: ((piece: Uint8Array) => boolean) | undefined): this {
    this.finish();
    this.maxLength = maxLength;
    this.check = check;
    return this;
  }

  /** Forgets the message (its pieces are the caller's now). */
  finish(): void {
    // pop, not `length = 0`: setting an array's length is a call into the runtime.
    while (this.pieces.length > 0) this.pieces.pop();
    this.length = 0;
    this.check = undefined;
    this.error = undefined;
  }
}
const inflation = new Inflation();

/** Per engine: the shared compressors, one per (level, memLevel, window bits), and the shared decompressor. */
const sharedStreams = new WeakMap<DeflateEngine, Map<string, RawStream>>();

/** zlib's raw deflate takes 9–15 bits (see the module comment for 8). */
function deflateBits(bits: number): number {
  return Math.max(bits, 9);
}

function shared(engine: DeflateEngine, key: string, make: () => RawStream): RawStream {
  let streams = sharedStreams.get(engine);
  if (streams === undefined) sharedStreams.set(engine, (streams = new Map()));
  let stream = streams.get(key);
  if (stream === undefined) streams.set(key, (stream = make()));
  return stream;
}

/** The WASM module's share beside an engine that states none (DeflateEngine.wasmMax): nothing. */
const ENGINE_ALONE = { compress: 0, inflate: 0 } as const;

/**
 * One endpoint's permessage-deflate for one connection on `engine`
 * (`await deflateEngine()`), for `new FrameDecoder({ deflate })` and
 * `new FrameEncoder({ deflate })`: compresses with the window the agreement
 * gives this `role`, inflates the peer's messages. `params` is what the
 * handshake agreed (`acceptOffer(...).params` on a server, `checkResponse(...)`
 * on a client); `settings` the compressor's (`resolveDeflateOptions(...)` has
 * them). State is shared for each direction without context takeover; call
 * `close()` when the connection ends.
 */
export function messageDeflate(engine: DeflateEngine, params: DeflateParams, role: 'server' | 'client', settings: DeflateSettings): MessageDeflate {
  const server = role === 'server';
  const agreedBits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits;
  const ownBits = deflateBits(agreedBits);
  const peerBits = server ? params.clientMaxWindowBits : params.serverMaxWindowBits;
  const ownTakeover = !(server ? params.serverNoContextTakeover : params.clientNoContextTakeover);
  const peerTakeover = !(server ? params.clientNoContextTakeover : params.serverNoContextTakeover);
  const newDeflater = (): RawStream => engine.deflater(settings.level, settings.memLevel, ownBits);
  // The WASM compressor takes the agreed window as it is (8 bits included: it never reaches farther back).
  const oneShot = ownTakeover ? undefined : wasmCompressor(settings.level, agreedBits);
  const ownStream = ownTakeover ? wasmStream(settings.level, agreedBits) : undefined;
  // Messages the peer compressed without context takeover are streams of their own: the WASM decompressor's case.
  const inflateOne = peerTakeover ? undefined : wasmInflater();
  const wasmMax = engine.wasmMax ?? ENGINE_ALONE;
  let deflater: RawStream | undefined;
  let inflater: RawStream | undefined;
  return {
    params,
    threshold: settings.threshold,
    compress(data, fin = true, borrow = false) {
      // The WASM compressor's output for the whole message in one view of its memory: a sync-flushed stream of its
      // own (one-shot, as the full flush below writes) or the stream's next sync-flushed piece. Its trailer is not
      // sent when the message ends here; it ends at least one byte before it (0x00 for an empty message, §7.2.3.6).
      let out: Uint8Array | undefined;
      if (oneShot !== undefined && data.length > 0 && data.length <= wasmMax.compress) out = oneShot(data);
      else if (ownStream !== undefined && data.length <= DEFLATE_STREAM_CHUNK) out = ownStream.compressChunk(data);
      if (out !== undefined) {
        const view = fin ? out.subarray(0, out.length - TRAILER.length) : out;
        if (borrow) return view;
        const result = slab.take(view.length);
        result.set(view);
        return result;
      }
      const gather = new Gather();
      if (ownStream !== undefined) {
        ownStream.compress(data, (piece) => gather.add(piece));
      } else {
        const stream = ownTakeover ? (deflater ??= newDeflater()) : shared(engine, `${settings.level}/${settings.memLevel}/${ownBits}`, newDeflater);
        // Without context takeover every call is a stream of its own (the receiver inflates the fragments of one
        // message as one stream, and a sync-flushed stream may be followed by another): a full flush ends it and
        // forgets it in one zlib call, where a sync flush and a reset took two (the same bytes on the wire).
        write(engine, stream, data, (piece) => {
          gather.add(piece);
          return true;
        }, !ownTakeover);
      }
      if (!fin) return gather.take();
      // A sync flush ends with the empty stored block 00 00 ff ff, which is not sent. An empty message
      // (for which zlib may write nothing at all under context takeover) is the one byte 0x00 (§7.2.3.6).
      return gather.length > TRAILER.length ? gather.take(gather.length - TRAILER.length) : EMPTY_MESSAGE.slice();
    },
    decompress(data, maxLength, check) {
      // An empty payload is an empty message, as the byte 0x00 says it (§7.2.3.6): both carry no data. The
      // trailer alone would open a stored block of 65,280 bytes, leaving a kept inflater mid-block for the next
      // message (ws and wsframe send 0x00, but a compressor with nothing left to flush writes nothing at all).
      if (data.length === 0) data = EMPTY_MESSAGE;
      const inflated = inflation.start(maxLength, check);
      const sink = inflated.sink;
      let ok: boolean;
      if (inflateOne !== undefined && data.length <= wasmMax.inflate) {
        ok = inflateOne(data, sink);
      } else {
        // A 15-bit window inflates what any smaller window produced: one shared decompressor serves all.
        const stream = peerTakeover ? (inflater ??= engine.inflater(peerBits)) : shared(engine, 'inflate', () => engine.inflater(15));
        ok = data.length <= JOINED_BYTES - TRAILER.length
          ? write(engine, stream, withTrailer(data), sink)
          : write(engine, stream, data, sink) && (inflated.error !== undefined || write(engine, stream, TRAILER, sink));
        // After an error the stream is mid-message: a shared one starts afresh, a dedicated one is done (the connection fails).
        if (!peerTakeover || !ok || inflated.error !== undefined) stream.reset();
      }
      const result = !ok ? frameError(E_DEFLATE_DATA) : (inflated.error ?? inflated.take());
      inflated.finish();
      return result;
    },
    close() {
      ownStream?.close();
      deflater?.close();
      inflater?.close();
      deflater = inflater = undefined;
    },
  };
}
