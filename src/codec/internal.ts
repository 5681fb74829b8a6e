/**
 * Internals for wsframe's own tests and benchmarks: one entry, not exposed by
 * package.json `exports` (so not public API). Benchmarks import it from
 * build/esm/codec/internal.js.
 */
export { frameCore } from './frame-core.js';
export { fallbackKernels } from './fallback/index.js';
export { IO_PTR, kernels } from './wasm.js';
export { COPY_BLOCK, ioHead } from './io.js';
export { MASK_BLOCK, MASK_LARGE, maskWasm, xorForward } from './mask.js';
