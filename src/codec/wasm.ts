/**
 * The kernels: one instance per JavaScript realm, chosen once, synchronously,
 * on first import. Preference order: the SIMD WASM build, the scalar WASM
 * build (engines without WASM SIMD), the pure-JS twins in ./fallback (no
 * WebAssembly, or compiling it is forbidden). `implementation()` says which
 * one runs.
 *
 * To force one (tests, benchmarks, debugging), set `WSFRAME_IMPLEMENTATION`
 * to `wasm-simd`, `wasm` or `js`, as an environment variable (Node, Bun, Deno
 * with --allow-env) or as a global (`globalThis.WSFRAME_IMPLEMENTATION`), before
 * the codec loads. Forcing a build this engine cannot run throws.
 *
 * The compiled module comes from `#wasm` (package.json `imports`): embedded
 * bytes by default (./wasm-embedded.ts), `.wasm` files under the `workerd`
 * condition (./wasm-workerd.ts).
 *
 * Memory ownership. Linear memory is fixed: the core has no allocator and
 * never calls `memory.grow`, so the views created here never detach. Every
 * kernel works in the 64 KiB I/O region (`io`): a caller copies input in, runs
 * a kernel and copies the result out *before it runs any user code*, because
 * the next kernel call, from any decoder or connection in this realm,
 * overwrites the region. Nothing in kernel memory outlives one call.
 */
import { compile } from '#wasm';
import { fallbackKernels } from './fallback/index.js';
import type { Implementation, Kernels, WasmBuild } from './kernels.js';
import { IO_SIZE } from './layout.js';

export type { Implementation, Kernels, WasmBuild } from './kernels.js';

const IMPLEMENTATIONS: readonly Implementation[] = ['wasm-simd', 'wasm', 'js'];

/** `WSFRAME_IMPLEMENTATION` from the global object or the environment, if set. */
function forcedImplementation(): Implementation | undefined {
  const scope = globalThis as { WSFRAME_IMPLEMENTATION?: unknown; process?: { env?: Record<string, string | undefined> } };
  let value = scope.WSFRAME_IMPLEMENTATION;
  if (value === undefined) {
    try {
      value = scope.process?.env?.WSFRAME_IMPLEMENTATION;
    } catch {
      // Deno without --allow-env: nothing forced.
    }
  }
  if (value === undefined || value === '') return undefined;
  if (!IMPLEMENTATIONS.includes(value as Implementation)) {
    throw new Error(`WSFRAME_IMPLEMENTATION must be one of ${IMPLEMENTATIONS.join(', ')}; got ${String(value)}`);
  }
  return value as Implementation;
}

function instantiate(build: WasmBuild): Kernels | undefined {
  if (typeof WebAssembly !== 'object') return undefined;
  const module = compile(build);
  return module && (new WebAssembly.Instance(module, {}).exports as unknown as Kernels);
}

function load(): [Implementation, Kernels] {
  const forced = forcedImplementation();
  if (forced === 'js') return ['js', fallbackKernels];
  if (forced) {
    const kernels = instantiate(forced);
    if (!kernels) throw new Error(`WSFRAME_IMPLEMENTATION=${forced}, but this engine cannot run it`);
    return [forced, kernels];
  }
  for (const build of ['wasm-simd', 'wasm'] as const) {
    try {
      const kernels = instantiate(build);
      if (kernels) return [build, kernels];
    } catch {
      // Compiling is forbidden here (a CSP without 'wasm-unsafe-eval', workerd
      // given the embedded bytes): as good as no WebAssembly.
    }
  }
  return ['js', fallbackKernels];
}

const [active, loaded] = load();

export const kernels: Kernels = loaded;

/** Which kernels this realm runs: `'wasm-simd'`, `'wasm'` (no WASM SIMD) or `'js'` (no WebAssembly). */
export function implementation(): Implementation {
  return active;
}

/** Address of the I/O region in `kernels.memory`. */
export const IO_PTR = kernels.ioPtr();

/** Size of the I/O region: the most bytes one kernel call handles (every kernel set reports it as `ioSize()`). */
export { IO_SIZE };

/** A view of the I/O region. Valid for the life of the realm (memory never grows). */
export const io = new Uint8Array(kernels.memory.buffer, IO_PTR, IO_SIZE);
