/**
 * What every kernel set provides: the WASM builds' exports (assembly/index.ts)
 * and their pure-JS twins (./fallback). Types only, in a module of their own,
 * so that the loader (wasm.ts) and the twins import them without importing
 * each other.
 */

/** Which kernels run: SIMD WASM, scalar WASM, or the pure-JS twins. */
export type Implementation = 'wasm-simd' | 'wasm' | 'js';

/** The two WASM builds: build/wsframe.wasm and build/wsframe-nosimd.wasm. */
export type WasmBuild = Exclude<Implementation, 'js'>;

/** The functions exported by assembly/index.ts; addresses are byte offsets into `memory`. */
export interface Kernels {
  /** Linear memory (a `WebAssembly.Memory`, or the fallback's fixed heap): only `buffer` is used. */
  readonly memory: { readonly buffer: ArrayBuffer };
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
  /** How many of the `length` bytes at `ptr` are ASCII before the first that is not (`length` when all are). */
  asciiPrefix(ptr: number, length: number): number;
  /** `mask(ptr, ptr, length, key, phase)` and `validateUtf8(ptr, length, state)` in one pass; returns the state. */
  unmaskValidateUtf8(ptr: number, length: number, key: number, phase: number, state: number): number;
}
