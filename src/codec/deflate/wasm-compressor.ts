/**
 * The WASM compressor (assembly/deflate.ts, its own small module), in two forms:
 *
 * - `wasmCompressor`: messages compressed without context takeover, each on
 *   its own with no state kept between messages, so the shared compressor's
 *   reset costs nothing. Up to WASM_COMPRESS_MAX bytes it is faster than
 *   node:zlib's level 1 for a message this size and writes fewer bytes (zlib
 *   spends about half of a 1 KiB compression building Huffman trees, and
 *   clears a 64 KiB hash table at every reset); past it zlib is as fast, so
 *   larger messages go to the engine.
 * - `wasmStream`: one connection's compressor with context takeover, every
 *   message matched against the last 2^windowBits bytes sent before it.
 *
 * Its output is raw DEFLATE that any inflater reads (tested against zlib, ws
 * and Chromium).
 *
 * Memory ownership: the module's static regions (its input and output, the
 * shared compressor's tables) are reused by every call, so a result is a view
 * valid only until the next call in this realm (message.ts copies it out at
 * once, or lends it to a caller that asked to borrow it). A stream owns one region of the module's memory above them,
 * deflateStreamBytes(windowBits) long (about 128 KiB at 15 bits: the window's
 * 32 KiB of history plus 16 KiB for input, 64 KiB of hash chains, 16 KiB of
 * hash heads), taken at its first message and handed back by `close()` (or
 * when the stream is garbage-collected unclosed) for the next stream with the
 * same window to reuse. WebAssembly memory only grows: the module keeps the
 * most regions ever open at once.
 */
import { DEFLATE_STREAM_CHUNK } from '../layout.js';
import { type DeflateModule as Module, deflateModule as load } from './wasm-module.js';

/** Messages up to this many bytes (at most DEFLATE_INPUT_SIZE) go to the WASM compressor without context takeover (see the module comment; measured in docs/server.md). */
export const WASM_COMPRESS_MAX = 8192;

/** deflateStep's flags (assembly/deflate.ts). */
const STEP_FIRST = 1;
const STEP_FLUSH = 2;

type Search = readonly [chain: number, good: number, goodEnough: number, nice: number];

/**
 * The match search for each zlib level 1–9 (0 is zlib's alone: no compression), after zlib's
 * configuration table, so that `level` means about what it means to zlib: earlier positions tried
 * per match (max_chain); lazy matching from level 4, with a quarter of the chain once the match to
 * beat reaches `good` (good_length; 0: greedy); the match length that stops lazy matching (max_lazy),
 * or for greedy matching, up to which the positions inside a match are hashed (max_insert_length);
 * the match length that stops a search (nice_length).
 */
const SEARCH: readonly Search[] = [
  [0, 0, 0, 0],
  [4, 0, 8, 258],
  [8, 0, 8, 258],
  [32, 0, 16, 32],
  [8, 4, 16, 32],
  [32, 8, 16, 32],
  [128, 8, 16, 128],
  [256, 8, 32, 128],
  [1024, 32, 128, 258],
  [4096, 32, 258, 258],
];

/** Compresses `data` (1 to WASM_COMPRESS_MAX bytes) as a sync-flushed raw DEFLATE stream, 00 00 ff ff included. */
export type OneShotCompress = (data: Uint8Array) => Uint8Array;

/** One connection's compressor with context takeover. */
export interface WasmStream {
  /**
   * Compresses `data` (any length, 0 included) as the stream's next sync-flushed piece (00 00 ff ff last),
   * handing the output to `sink` in order, each piece a view valid during that call only.
   */
  compress(data: Uint8Array, sink: (piece: Uint8Array) => void): void;
  /**
   * `compress` for `data` of at most DEFLATE_STREAM_CHUNK bytes, in one step: returns the whole output (00 00 ff ff
   * last), a view of the module's memory valid until its next compression (of any stream or message in this realm).
   */
  compressChunk(data: Uint8Array): Uint8Array;
  /** Hands the stream's region back (the history is forgotten). Safe to call twice. */
  close(): void;
}

/** The module and the search for zlib `level`, or undefined where WebAssembly is not available or for level 0. */
function setUp(level: number): { wasm: Module; search: Search } | undefined {
  const search = SEARCH[level === -1 ? 6 : level];
  const wasm = load();
  return wasm === null || search[0] === 0 ? undefined : { wasm, search };
}

/**
 * The WASM compressor at zlib `level` (1–9, or -1 for zlib's default, 6) with
 * a window of 2^`windowBits` bytes (8–15: the agreed one), or undefined where
 * WebAssembly is not available or for level 0.
 */
export function wasmCompressor(level: number, windowBits: number): OneShotCompress | undefined {
  const ready = setUp(level);
  if (ready === undefined) return undefined;
  const { wasm, search } = ready;
  const { exports } = wasm;
  const input = exports.deflateInputPtr();
  const output = exports.deflateOutputPtr();
  const [chain, good, goodEnough, nice] = search;
  return (data) => {
    wasm.memory.set(data, input);
    return wasm.memory.subarray(output, output + exports.deflateCompress(data.length, windowBits, chain, good, goodEnough, nice));
  };
}

/** A stream region for a window of 2^windowBits bytes: a freed one, or new memory. */
function takeRegion(wasm: Module, windowBits: number): number {
  const reuse = wasm.free.get(windowBits)?.pop();
  if (reuse !== undefined) return reuse;
  const at = wasm.top;
  wasm.top += wasm.exports.deflateStreamBytes(windowBits);
  const grow = Math.ceil((wasm.top - wasm.exports.memory.buffer.byteLength) / 65536);
  if (grow > 0) {
    wasm.exports.memory.grow(grow);
    wasm.memory = new Uint8Array(wasm.exports.memory.buffer);
  }
  return at;
}

/** A stream's region (-1 before its first message and after `close()`), apart from the stream so that the registry below can hold it. */
interface Region {
  wasm: Module;
  windowBits: number;
  at: number;
}

function freeRegion(region: Region): void {
  if (region.at === -1) return;
  let list = region.wasm.free.get(region.windowBits);
  if (list === undefined) region.wasm.free.set(region.windowBits, (list = []));
  list.push(region.at);
  region.at = -1;
}

/** Regions of streams dropped without `close()`, handed back once the stream is collected. */
const unclosed = new FinalizationRegistry<Region>(freeRegion);

/**
 * A compressor with context takeover at zlib `level` (1–9, or -1) with a
 * window of 2^`windowBits` bytes (8–15: the agreed one, honoured exactly),
 * or undefined where WebAssembly is not available or for level 0. Its region
 * is taken at the first `compress` (an idle stream that never compressed holds none).
 */
export function wasmStream(level: number, windowBits: number): WasmStream | undefined {
  const ready = setUp(level);
  if (ready === undefined) return undefined;
  const { wasm, search } = ready;
  const { exports } = wasm;
  const output = exports.deflateOutputPtr();
  const [chain, good, goodEnough, nice] = search;
  const region: Region = { wasm, windowBits, at: -1 };
  /** The stream's region, taken at its first message (before wasm.memory is read: taking one may grow it). */
  const regionAt = (): number => {
    if (region.at === -1) {
      region.at = takeRegion(wasm, windowBits);
      exports.deflateStreamInit(region.at, windowBits);
      unclosed.register(stream, region, stream);
    }
    return region.at;
  };
  const stream: WasmStream = {
    compress(data, sink) {
      const state = regionAt();
      let at = 0;
      let flags = STEP_FIRST;
      do {
        const n = Math.min(data.length - at, DEFLATE_STREAM_CHUNK);
        const into = exports.deflateStreamInput(state, n);
        wasm.memory.set(n === data.length ? data : data.subarray(at, at + n), into);
        at += n;
        if (at === data.length) flags |= STEP_FLUSH;
        const produced = exports.deflateStep(state, n, chain, good, goodEnough, nice, flags);
        if (produced > 0) sink(wasm.memory.subarray(output, output + produced));
        flags = 0;
      } while (at < data.length);
    },
    compressChunk(data) {
      const state = regionAt();
      wasm.memory.set(data, exports.deflateStreamInput(state, data.length));
      return wasm.memory.subarray(output, output + exports.deflateStep(state, data.length, chain, good, goodEnough, nice, STEP_FIRST | STEP_FLUSH));
    },
    close() {
      unclosed.unregister(stream);
      freeRegion(region);
    },
  };
  return stream;
}
