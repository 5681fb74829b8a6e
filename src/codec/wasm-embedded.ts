/**
 * `#wasm` everywhere but Cloudflare workerd: compiles the WASM core from bytes
 * embedded in the JS build, so loading needs no file system and no fetch.
 */
import { decodeBase64 } from './base64.js';
import { scalarBase64, simdBase64 } from './wasm-binary.generated.js';
import type { WasmBuild } from './wasm.js';

/** The compiled build, or undefined when this engine rejects it (no SIMD, say). */
export function compile(build: WasmBuild): WebAssembly.Module | undefined {
  const bytes = decodeBase64(build === 'wasm-simd' ? simdBase64 : scalarBase64);
  return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : undefined;
}
