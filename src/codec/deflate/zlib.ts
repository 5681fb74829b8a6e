/**
 * permessage-deflate on `node:zlib` (Node, Deno and Bun all provide it),
 * driven synchronously: a message is compressed or inflated inside the call
 * that needs it, with no thread-pool round trip and no per-message stream
 * object.
 *
 * `node:zlib`'s public synchronous functions (`deflateRawSync`, ...) build and
 * initialise a new zlib stream for every call (3x the cost of the compression
 * itself for a 1 KiB message, see docs/server.md). The stream classes' native
 * handle has a synchronous `writeSync` and a `reset` (the one-shot functions
 * are built on them, in Node, Deno and Bun alike), so one long-lived stream
 * can serve many messages: reset between messages (no context takeover) or
 * not (context takeover).
 *
 * - Shared state (no context takeover on a side): one compressor per
 *   configuration and one decompressor per process, reset after every message.
 *   A connection holds none.
 * - Dedicated state (context takeover): a compressor and/or a decompressor per
 *   connection, created at its first message, freed by `close()`.
 *
 * zlib cannot make a raw DEFLATE stream with an 8-bit window: as ws (through
 * Node) does, the compressor uses 9 bits when 8 were agreed. That is safe on
 * the wire: zlib never emits a distance beyond its window minus 262 bytes
 * (250 with 9 bits), inside the 256 bytes a peer with an 8-bit window keeps.
 */
import zlib from 'node:zlib';
import { type FrameError, frameError } from '../errors.js';
import { E_DEFLATE_DATA, E_MAX_PAYLOAD, E_UTF8 } from '../layout.js';
import type { DeflateParams } from './negotiate.js';
import type { MessageDeflate } from './types.js';

const { Z_SYNC_FLUSH } = zlib.constants;

/** The end of a flushed DEFLATE stream: stripped by the sender, put back by the receiver (RFC 7692 §7.2). */
const TRAILER = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** An empty message, compressed (RFC 7692 §7.2.3.6). */
const EMPTY_MESSAGE = new Uint8Array([0x00]);

/** zlib writes into this, one call at a time (everything here is synchronous); results are copied out. */
const out = new Uint8Array(64 * 1024);

interface Handle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

/** One raw DEFLATE or INFLATE stream, written synchronously through its native handle. */
class ZlibStream {
  private readonly stream: zlib.DeflateRaw | zlib.InflateRaw;
  private readonly handle: Handle;
  /** [output bytes left, input bytes left] after each write. */
  private readonly state: Uint32Array;
  private failed = false;

  constructor(stream: zlib.DeflateRaw | zlib.InflateRaw) {
    const inner = stream as unknown as { _handle?: Handle; _writeState?: Uint32Array };
    if (typeof inner._handle?.writeSync !== 'function' || typeof inner._handle.reset !== 'function' || inner._writeState === undefined) {
      throw new Error('permessage-deflate needs node:zlib streams with a synchronous handle, which this runtime lacks');
    }
    this.stream = stream;
    this.handle = inner._handle;
    this.state = inner._writeState;
    // zlib reports errors through this callback, synchronously inside writeSync; the stream object never sees them.
    this.handle.onerror = () => {
      this.failed = true;
    };
  }

  /**
   * Writes `input` with a sync flush, handing each piece of output (a view of
   * `out`, valid until the next write) to `sink`; stops when `sink` returns
   * false. Returns false if zlib found the input invalid.
   */
  write(input: Uint8Array, sink: (piece: Uint8Array) => boolean): boolean {
    let at = 0;
    for (;;) {
      this.handle.writeSync(Z_SYNC_FLUSH, input, at, input.length - at, out, 0, out.length);
      if (this.failed) return false;
      const produced = out.length - this.state[0];
      at = input.length - this.state[1];
      if (produced > 0 && !sink(out.subarray(0, produced))) return true;
      // A full output buffer means zlib may have more to give.
      if (this.state[0] !== 0) return true;
    }
  }

  /** Forgets the stream's history (and any error): the next message starts afresh. */
  reset(): void {
    this.failed = false;
    this.handle.reset();
  }

  close(): void {
    this.stream.close();
  }
}

/** Pieces gathered into one caller-owned array. */
class Gather {
  pieces: Uint8Array[] = [];
  length = 0;

  add(piece: Uint8Array): void {
    this.pieces.push(piece.slice());
    this.length += piece.length;
  }

  /** The first `length` bytes gathered, as one array. */
  take(length = this.length): Uint8Array {
    if (this.pieces.length === 1) return this.pieces[0].subarray(0, length);
    const result = new Uint8Array(length);
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

/** The compressor settings this engine takes from the options. */
export interface ZlibSettings {
  level: number;
  memLevel: number;
  threshold: number;
}

/** Shared compressors, one per (level, memLevel, window bits): they are reset after every message. */
const sharedDeflaters = new Map<string, ZlibStream>();
/** The shared decompressor: a 15-bit window inflates what any smaller window produced. */
let sharedInflater: ZlibStream | undefined;

/** zlib's raw deflate takes 9–15 bits (see the module comment for 8). */
function deflateBits(bits: number): number {
  return Math.max(bits, 9);
}

function newDeflater(settings: ZlibSettings, bits: number): ZlibStream {
  return new ZlibStream(zlib.createDeflateRaw({ level: settings.level, memLevel: settings.memLevel, windowBits: deflateBits(bits) }));
}

function sharedDeflater(settings: ZlibSettings, bits: number): ZlibStream {
  const key = `${settings.level}/${settings.memLevel}/${deflateBits(bits)}`;
  let stream = sharedDeflaters.get(key);
  if (stream === undefined) sharedDeflaters.set(key, (stream = newDeflater(settings, bits)));
  return stream;
}

/**
 * One endpoint's permessage-deflate for one connection, on `node:zlib`:
 * compresses with the window the agreement gives this `role`, inflates the
 * peer's messages. State is shared for each direction without context takeover.
 */
export function zlibDeflate(params: DeflateParams, role: 'server' | 'client', settings: ZlibSettings): MessageDeflate {
  const server = role === 'server';
  const ownBits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits;
  const peerBits = server ? params.clientMaxWindowBits : params.serverMaxWindowBits;
  const ownTakeover = !(server ? params.serverNoContextTakeover : params.clientNoContextTakeover);
  const peerTakeover = !(server ? params.clientNoContextTakeover : params.serverNoContextTakeover);
  let deflater: ZlibStream | undefined;
  let inflater: ZlibStream | undefined;
  return {
    params,
    threshold: settings.threshold,
    compress(data, fin = true) {
      const stream = ownTakeover ? (deflater ??= newDeflater(settings, ownBits)) : sharedDeflater(settings, ownBits);
      const gather = new Gather();
      stream.write(data, (piece) => {
        gather.add(piece);
        return true;
      });
      // Without context takeover every call is a stream of its own: the receiver inflates the
      // fragments of one message as one stream, and a sync-flushed stream may be followed by another.
      if (!ownTakeover) stream.reset();
      if (!fin) return gather.take();
      // A sync flush ends with the empty stored block 00 00 ff ff, which is not sent. An empty message
      // (for which zlib may write nothing at all under context takeover) is the one byte 0x00 (§7.2.3.6).
      return gather.length > TRAILER.length ? gather.take(gather.length - TRAILER.length) : EMPTY_MESSAGE.slice();
    },
    decompress(data, maxLength, check) {
      const stream = peerTakeover
        ? (inflater ??= new ZlibStream(zlib.createInflateRaw({ windowBits: peerBits })))
        : (sharedInflater ??= new ZlibStream(zlib.createInflateRaw({ windowBits: 15 })));
      const gather = new Gather();
      let error: FrameError | undefined;
      const sink = (piece: Uint8Array): boolean => {
        if (maxLength !== 0 && gather.length + piece.length > maxLength) error = frameError(E_MAX_PAYLOAD);
        else if (check !== undefined && !check(piece)) error = frameError(E_UTF8);
        else gather.add(piece);
        return error === undefined;
      };
      const ok = stream.write(data, sink) && (error !== undefined || stream.write(TRAILER, sink));
      // After an error the stream is mid-message: a shared one starts afresh, a dedicated one is done (the connection fails).
      if (!peerTakeover || !ok || error !== undefined) stream.reset();
      if (!ok) return frameError(E_DEFLATE_DATA);
      return error ?? gather.take();
    },
    close() {
      deflater?.close();
      inflater?.close();
      deflater = inflater = undefined;
    },
  };
}
