/**
 * The WebAssembly core: one instance per JavaScript realm, created
 * synchronously on first import from bytes embedded in the JS build.
 *
 * Memory ownership. The instance's linear memory is fixed: the core has no
 * allocator and never calls `memory.grow`, so the views created here never
 * detach. Every kernel works in the 64 KiB I/O region (`io`): a caller copies
 * input in, runs a kernel and copies the result out *before it runs any user
 * code*, because the next kernel call, from any decoder or connection in this
 * realm, overwrites the region. Nothing in WASM memory outlives one call.
 */
import { wasmBase64 } from './wasm-binary.generated.js';

/** The functions exported by assembly/index.ts; addresses are byte offsets into `memory`. */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  ioPtr(): number;
  ioSize(): number;
  mask(src: number, dst: number, length: number, key: number, phase: number): void;
  frameStatePtr(): number;
  frameTablePtr(): number;
  frameTableEntries(): number;
  decodeFrames(ptr: number, length: number): number;
  /**
   * Streaming UTF-8 validation of `length` bytes at `ptr`, continuing from
   * `state` (0 for a new text). Returns the next state: 0 at a character
   * boundary (all complete and valid), -1 (u32 0xFFFFFFFF; sticky) once the
   * bytes cannot be a prefix of valid UTF-8, anything else inside a character.
   */
  validateUtf8(ptr: number, length: number, state: number): number;
  /** `mask(ptr, ptr, length, key, phase)` and `validateUtf8(ptr, length, state)` in one pass; returns the state. */
  unmaskValidateUtf8(ptr: number, length: number, key: number, phase: number, state: number): number;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const instance = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(wasmBase64)), {});

export const kernels = instance.exports as unknown as Kernels;

/** Address of the I/O region in `kernels.memory`. */
export const IO_PTR = kernels.ioPtr();

/** Size of the I/O region: the most bytes one kernel call handles. */
export const IO_SIZE = kernels.ioSize();

/** A view of the I/O region. Valid for the life of the realm (memory never grows). */
export const io = new Uint8Array(kernels.memory.buffer, IO_PTR, IO_SIZE);
