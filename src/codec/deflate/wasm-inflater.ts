/**
 * The WASM decompressor (assembly/inflate.ts, in the module of the WASM
 * compressor): inflates a message sent without context takeover, on its own,
 * in one call per INFLATE_OUTPUT_SIZE bytes of output, where node:zlib takes
 * two calls into C++ (a write and a reset) and builds two-level decoding
 * tables. It takes messages of up to INFLATE_INPUT_SIZE compressed bytes; how
 * many of them it gets depends on the engine beside it (`DeflateEngine.wasmMax`,
 * measured per runtime in docs/codec.md): beside native zlib only the small
 * ones (WASM_INFLATE_MAX: past about 1 KiB of output zlib's decoding loop is
 * faster), beside pako all it can take (3–11× pako's speed). It accepts and
 * rejects exactly what node:zlib does (test/codec/deflate-inflate.test.ts).
 *
 * Memory ownership: the module's input and output regions are static and
 * serve one message at a time: a piece handed to the sink is a view of the
 * output region, valid until the sink returns (message.ts copies it out at
 * once). Everything is synchronous, so no other message can start meanwhile.
 */
import { INFLATE_DONE, INFLATE_ERROR } from '../layout.js';
import { deflateModule } from './wasm-module.js';

/**
 * Inflates one message (`data`, 1 to INFLATE_INPUT_SIZE bytes, without its trailer), handing the output to `sink`
 * in order; stops when `sink` returns false. Returns false if `data` is not valid DEFLATE.
 */
export type OneShotInflate = (data: Uint8Array, sink: (piece: Uint8Array) => boolean) => boolean;

let inflater: OneShotInflate | null | undefined;

/** The WASM decompressor for messages without context takeover, or undefined where WebAssembly is not available. */
export function wasmInflater(): OneShotInflate | undefined {
  if (inflater === undefined) {
    const wasm = deflateModule();
    inflater = wasm && ((data, sink) => {
      const { exports } = wasm;
      const output = exports.inflateOutputPtr();
      // wasm.memory, not a copy of it: a compressor stream growing the memory replaces it.
      wasm.memory.set(data, exports.inflateInputPtr());
      let result = exports.inflateMessage(data.length);
      for (;;) {
        const status = result & 3;
        if (status === INFLATE_ERROR) return false;
        const produced = result >>> 2;
        if (produced > 0 && !sink(wasm.memory.subarray(output, output + produced))) return true;
        if (status === INFLATE_DONE) return true;
        result = exports.inflateMore();
      }
    });
  }
  return inflater ?? undefined;
}

/**
 * The most compressed bytes of a message the WASM decompressor takes from native zlib (node:zlib's
 * `wasmMax.inflate`): at 1 KiB of output (about 260 compressed bytes) both take the same time, at 16 KiB
 * zlib 0.8× the WASM's (docs/codec.md).
 */
export const WASM_INFLATE_MAX = 512;
