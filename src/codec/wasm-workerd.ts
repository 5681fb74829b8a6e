/**
 * `#wasm` under the `workerd` condition (Cloudflare Workers, wrangler, and
 * bundlers given that condition): workerd forbids compiling WASM from bytes at
 * run time, so the builds are imported as files, which the platform compiles
 * at deploy time and hands over as `WebAssembly.Module`s.
 */
import simd from '../../wsframe.wasm';
import scalar from '../../wsframe-nosimd.wasm';
import type { WasmBuild } from './wasm.js';

/** The precompiled build. */
export function compile(build: WasmBuild): WebAssembly.Module | undefined {
  return build === 'wasm-simd' ? simd : scalar;
}
