/**
 * The pako engine, for runtimes without `node:zlib` (browsers, workerd
 * without `nodejs_compat`). pako is a line-by-line JavaScript port of zlib and
 * exports zlib's own low-level API (`zlibDeflate(strm, flush)`,
 * `zlibInflateReset`, ...), so its streams are stepped exactly like the
 * native ones: Z_SYNC_FLUSH framing, window bits 9–15, memLevel, reset, and
 * output in bounded pieces (maxPayload stops inflating early). Why pako and
 * not fflate or CompressionStream: docs/codec.md, "permessage-deflate".
 *
 * pako is loaded by load.ts only where it is needed (an optional peer
 * dependency); this module only describes the part of its API it uses.
 */
import { DEFLATE_INPUT_SIZE, INFLATE_INPUT_SIZE } from '../layout.js';
import type { DeflateEngine, RawStream } from './types.js';

/** zlib's stream struct as pako exposes it. */
export interface PakoZStream {
  input: Uint8Array;
  next_in: number;
  avail_in: number;
  output: Uint8Array;
  next_out: number;
  avail_out: number;
}

/** The part of pako's (≥ 3) exports this engine uses: zlib's low-level API. */
export interface Pako {
  ZStream: new () => PakoZStream;
  zlibDeflateInit2(strm: PakoZStream, level: number, method: number, windowBits: number, memLevel: number, strategy: number): number;
  zlibDeflate(strm: PakoZStream, flush: number): number;
  zlibDeflateReset(strm: PakoZStream): number;
  zlibDeflateEnd(strm: PakoZStream): number;
  zlibInflateInit2(strm: PakoZStream, windowBits: number): number;
  zlibInflate(strm: PakoZStream, flush: number): number;
  zlibInflateReset(strm: PakoZStream): number;
  zlibInflateEnd(strm: PakoZStream): number;
}

// zlib's constants (zlib.h), the same in every port.
const Z_SYNC_FLUSH = 2;
const Z_FULL_FLUSH = 3;
const Z_BUF_ERROR = -5;
const Z_DEFLATED = 8;
const Z_DEFAULT_STRATEGY = 0;

/** One raw DEFLATE or INFLATE stream of pako's zlib. */
class PakoStream implements RawStream {
  private readonly strm: PakoZStream;
  produced = 0;
  consumed = 0;

  /** `windowBits` positive; the stream is raw (zlib takes negative bits for that). */
  constructor(private readonly pako: Pako, private readonly deflating: boolean, windowBits: number, level = 0, memLevel = 0) {
    const strm = (this.strm = new pako.ZStream());
    const status = deflating
      ? pako.zlibDeflateInit2(strm, level, Z_DEFLATED, -windowBits, memLevel, Z_DEFAULT_STRATEGY)
      : pako.zlibInflateInit2(strm, -windowBits);
    if (status !== 0) throw new RangeError(`pako refused the stream settings (level ${level}, memLevel ${memLevel}, windowBits ${windowBits}): ${status}`);
  }

  step(input: Uint8Array, at: number, output: Uint8Array, forget = false): boolean {
    const strm = this.strm;
    strm.input = input;
    strm.next_in = at;
    strm.avail_in = input.length - at;
    strm.output = output;
    strm.next_out = 0;
    strm.avail_out = output.length;
    const status = this.deflating ? this.pako.zlibDeflate(strm, forget ? Z_FULL_FLUSH : Z_SYNC_FLUSH) : this.pako.zlibInflate(strm, Z_SYNC_FLUSH);
    this.produced = strm.next_out;
    this.consumed = strm.next_in;
    // Z_BUF_ERROR only says no progress was possible (nothing to do): not an error, as zlib documents.
    return status >= 0 || status === Z_BUF_ERROR;
  }

  reset(): void {
    if (this.deflating) this.pako.zlibDeflateReset(this.strm);
    else this.pako.zlibInflateReset(this.strm);
  }

  close(): void {
    if (this.deflating) this.pako.zlibDeflateEnd(this.strm);
    else this.pako.zlibInflateEnd(this.strm);
  }
}

/** The engine on `pako` (the module's exports). */
export function pakoEngine(pako: Pako): DeflateEngine {
  return {
    name: 'pako',
    // The WASM module is 2–11× as fast as pako at every size it takes (docs/codec.md): all it can take.
    wasmMax: { compress: DEFLATE_INPUT_SIZE, inflate: INFLATE_INPUT_SIZE },
    deflater: (level, memLevel, windowBits) => new PakoStream(pako, true, windowBits, level, memLevel),
    inflater: (windowBits) => new PakoStream(pako, false, windowBits),
  };
}
