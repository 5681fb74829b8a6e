/**
 * `#deflate-wasm` under the `workerd` condition (Cloudflare Workers, wrangler,
 * and bundlers given that condition): workerd forbids compiling WASM from
 * bytes at run time, so the module is imported as a file, which the platform
 * compiles at deploy time, as `#wasm` does for the codec's kernels.
 */
import module from '../../../wsframe-deflate.wasm';

/** The precompiled module. */
export function compileDeflate(): WebAssembly.Module {
  return module;
}
