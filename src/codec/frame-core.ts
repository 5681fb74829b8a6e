/**
 * What the frame decoder runs on: the batch kernel and views of its memory,
 * from any set of kernels (WASM with or without SIMD, or the TypeScript twins
 * of ./fallback). The default is the realm's kernels (wasm.ts).
 */
import { DESCRIPTOR_WORDS, STATE_WORDS } from './layout.js';
import { type Kernels, kernels } from './wasm.js';

export interface FrameCore {
  /** The I/O region: input to decodeFrames() is read from (and unmasked in) here. */
  readonly io: Uint8Array;
  /** Address of `io[0]`. */
  readonly ioPtr: number;
  /** The state slot (layout.ts). */
  readonly state: Int32Array;
  /** The descriptor table: DESCRIPTOR_WORDS words per entry. */
  readonly table: Int32Array;
  /** decodeFrames(ptr, length) of assembly/frame-decode.ts. */
  decodeFrames(ptr: number, length: number): number;
}

/** The frame core of `source` (default: this realm's kernels). Views stay valid: memory never grows. */
export function frameCore(source: Kernels = kernels): FrameCore {
  const buffer = source.memory.buffer;
  const ioPtr = source.ioPtr();
  return {
    io: new Uint8Array(buffer, ioPtr, source.ioSize()),
    ioPtr,
    state: new Int32Array(buffer, source.frameStatePtr(), STATE_WORDS),
    table: new Int32Array(buffer, source.frameTablePtr(), source.frameTableEntries() * DESCRIPTOR_WORDS),
    decodeFrames: source.decodeFrames,
  };
}
