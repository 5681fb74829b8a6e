/**
 * The WASM decompressor (assembly/inflate.ts, in the module of the WASM
 * compressor): inflates a message sent without context takeover, on its own,
 * in one call per INFLATE_OUTPUT_SIZE bytes of output, where node:zlib takes
 * two calls into C++ (a write and a reset) and builds two-level decoding
 * tables. It takes messages of up to INFLATE_INPUT_SIZE compressed bytes:
 * past about 1 KiB of output zlib's decoding loop is faster (measured in
 * docs/server.md). It accepts and rejects exactly what node:zlib does
 * (test/codec/deflate-inflate.test.ts).
 *
 * Memory ownership: the module's input and output regions are static and
 * serve one message at a time: a piece handed to the sink is a view of the
 * output region, valid until the sink returns (message.ts copies it out at
 * once). Everything is synchronous, so no other message can start meanwhile.
 */
import { INFLATE_DONE, INFLATE_ERROR, INFLATE_INPUT_SIZE } from '../layout.js';
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

/** The most compressed bytes one message may have for the WASM decompressor (larger ones go to the engine). */
export const WASM_INFLATE_MAX = INFLATE_INPUT_SIZE;
