/**
 * What the frame decoder runs on: the batch kernel and views of its memory.
 * The default is the realm's WASM instance; fallback/frame.ts builds the same
 * shape from the TypeScript twin.
 */
import { STATE_WORDS } from './frame-layout.js';
import { IO_PTR, io, kernels } from './wasm.js';

export interface FrameCore {
  /** The I/O region: input to decodeFrames() is read from (and unmasked in) here. */
  readonly io: Uint8Array;
  /** Address of `io[0]`. */
  readonly ioPtr: number;
  /** The state slot (frame-layout.ts). */
  readonly state: Int32Array;
  /** The descriptor table: four words per entry. */
  readonly table: Int32Array;
  /** decodeFrames(ptr, length) of assembly/frame-decode.ts. */
  decodeFrames(ptr: number, length: number): number;
}

export function wasmFrameCore(): FrameCore {
  const buffer = kernels.memory.buffer;
  return {
    io,
    ioPtr: IO_PTR,
    state: new Int32Array(buffer, kernels.frameStatePtr(), STATE_WORDS),
    table: new Int32Array(buffer, kernels.frameTablePtr(), kernels.frameTableEntries() * 4),
    decodeFrames: kernels.decodeFrames,
  };
}
