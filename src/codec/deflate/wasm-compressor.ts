/**
 * The WASM compressor (assembly/deflate.ts, its own small module) for
 * messages compressed without context takeover: each message on its own,
 * with no state kept between messages, so the shared compressor's reset costs
 * nothing. Up to WASM_COMPRESS_MAX bytes it is faster than node:zlib's level 1
 * for a message this size and writes fewer bytes (zlib spends about half of a
 * 1 KiB compression building Huffman trees, and clears a 64 KiB hash table at
 * every reset); past it zlib is as fast, so larger messages go to the engine.
 * Its output is raw DEFLATE that any inflater reads (tested against zlib,
 * ws and Chromium).
 *
 * Memory ownership: the module's memory is static (never grows); its input
 * and output regions are reused by every call, so a result is a view valid
 * only until the next call in this realm (message.ts copies it out at once).
 */
import { decodeBase64 } from '../base64.js';
import { deflateBase64 } from './wasm-deflate.generated.js';

interface Exports {
  memory: WebAssembly.Memory;
  deflateInputPtr(): number;
  deflateOutputPtr(): number;
  deflateCompress(length: number, windowBits: number, chain: number, lazy: number, goodEnough: number): number;
}

/** Messages up to this many bytes (at most DEFLATE_INPUT_SIZE) go to the WASM compressor (see the module comment; measured in docs/server.md). */
export const WASM_COMPRESS_MAX = 8192;

/**
 * The match search for each zlib level 1–9 (0 is zlib's alone: no compression): earlier positions
 * tried per match, lazy matching (0/1), and the match length that stops lazy matching, in the
 * spirit of zlib's configuration table (greedy up to 3, lazy from 4), so that `level` means about
 * what it means to zlib.
 */
const SEARCH: readonly (readonly [chain: number, lazy: number, goodEnough: number])[] = [
  [0, 0, 0],
  [4, 0, 258],
  [8, 0, 258],
  [16, 0, 258],
  [8, 1, 8],
  [16, 1, 16],
  [32, 1, 32],
  [64, 1, 64],
  [128, 1, 128],
  [256, 1, 258],
];

/** Compresses `data` (1 to WASM_COMPRESS_MAX bytes) as a sync-flushed raw DEFLATE stream, 00 00 ff ff included. */
export type OneShotCompress = (data: Uint8Array) => Uint8Array;

let instance: { exports: Exports; memory: Uint8Array } | null | undefined;

function load(): { exports: Exports; memory: Uint8Array } | null {
  if (instance !== undefined) return instance;
  instance = null;
  try {
    if (typeof WebAssembly === 'object') {
      const exports = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(deflateBase64)), {}).exports as unknown as Exports;
      instance = { exports, memory: new Uint8Array(exports.memory.buffer) };
    }
  } catch {
    // No WebAssembly here, or compiling bytes is forbidden (workerd, a strict CSP): the engine compresses everything.
  }
  return instance;
}

/**
 * The WASM compressor at zlib `level` (1–9, or -1 for zlib's default, 6) with
 * a window of 2^`windowBits` bytes (8–15: the agreed one), or undefined where
 * WebAssembly is not available or for level 0.
 */
export function wasmCompressor(level: number, windowBits: number): OneShotCompress | undefined {
  const search = SEARCH[level === -1 ? 6 : level];
  const wasm = load();
  if (wasm === null || search[0] === 0) return undefined;
  const { exports, memory } = wasm;
  const input = exports.deflateInputPtr();
  const output = exports.deflateOutputPtr();
  const [chain, lazy, goodEnough] = search;
  return (data) => {
    memory.set(data, input);
    return memory.subarray(output, output + exports.deflateCompress(data.length, windowBits, chain, lazy, goodEnough));
  };
}
