/**
 * The permessage-deflate WebAssembly module (assembly/deflate.ts, the
 * compressor, and assembly/inflate.ts, the decompressor: one small module of
 * their own, build/wsframe-deflate.wasm), instantiated once per realm at the
 * first message that uses it. wasm-compressor.ts and wasm-inflater.ts use it;
 * the codec's kernels do not carry it.
 */
import { compileDeflate } from '#deflate-wasm';

/** The module's exports (see the two assembly files for each function). */
export interface DeflateExports {
  memory: WebAssembly.Memory;
  deflateInputPtr(): number;
  deflateOutputPtr(): number;
  deflateCompress(length: number, windowBits: number, chain: number, good: number, goodEnough: number, nice: number): number;
  deflateStreamBytes(windowBits: number): number;
  deflateStreamInit(state: number, windowBits: number): void;
  deflateStreamInput(state: number, length: number): number;
  deflateStep(state: number, length: number, chain: number, good: number, goodEnough: number, nice: number, flags: number): number;
  inflateInputPtr(): number;
  inflateOutputPtr(): number;
  inflateMessage(length: number): number;
  inflateMore(): number;
}

/** The instance and the memory handed out above its static data (to compressor streams: wasm-compressor.ts). */
export interface DeflateModule {
  exports: DeflateExports;
  /** The module's memory; replaced when it grows (growing detaches the old buffer). */
  memory: Uint8Array;
  /** Free stream regions, by window bits. */
  free: Map<number, number[]>;
  /** The end of the memory handed out to streams so far. */
  top: number;
}

let instance: DeflateModule | null | undefined;

/** The module, instantiated at the first call; null where WebAssembly is not available. */
export function deflateModule(): DeflateModule | null {
  if (instance !== undefined) return instance;
  instance = null;
  try {
    if (typeof WebAssembly === 'object') {
      const exports = new WebAssembly.Instance(compileDeflate(), {}).exports as unknown as DeflateExports;
      // Streams' regions start above the static data (the module's initial memory).
      instance = { exports, memory: new Uint8Array(exports.memory.buffer), free: new Map(), top: exports.memory.buffer.byteLength };
    }
  } catch {
    // No WebAssembly here, or compiling bytes is forbidden (a strict CSP): the engine does everything.
  }
  return instance;
}
