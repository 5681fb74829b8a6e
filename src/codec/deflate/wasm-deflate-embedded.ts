/**
 * `#deflate-wasm` everywhere but Cloudflare workerd: compiles the
 * permessage-deflate module (build/wsframe-deflate.wasm) from bytes embedded
 * in the JS build, as `#wasm` does for the codec's kernels.
 */
import { decodeBase64 } from '../base64.js';
import { deflateBase64 } from './wasm-deflate.generated.js';

/** The compiled module (throws where compiling bytes is forbidden: a strict CSP). */
export function compileDeflate(): WebAssembly.Module {
  return new WebAssembly.Module(decodeBase64(deflateBase64));
}
