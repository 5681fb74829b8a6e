// The shared vectors (test/support/vectors) under each implementation, forced with
// WSFRAME_IMPLEMENTATION: SIMD WASM, scalar WASM and the pure-JS twins.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { allCases, type Codec } from '../support/vectors/index.js';

const SEED = Number(process.env.WSFRAME_SEED ?? 0x5eed_0006);
const cases = allCases({ seed: SEED, scale: Number(process.env.WSFRAME_SCALE ?? 3) });

/** Every global and variable of the environment the tests below replace goes back after them (stubbed by `freshCodec`). */
function restore(): void {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
}

/**
 * Loads the codec afresh (its module and all it imports, so that it detects again) with WSFRAME_IMPLEMENTATION set
 * to `forced` ('' for none) and each of `globals` replaced (WebAssembly: what an engine offers). `restore` undoes both.
 */
function freshCodec(forced: string, globals: Record<string, unknown> = {}): Promise<typeof import('../../src/codec/index.js')> {
  vi.resetModules();
  vi.stubEnv('WSFRAME_IMPLEMENTATION', forced);
  for (const [name, value] of Object.entries(globals)) vi.stubGlobal(name, value);
  return import('../../src/codec/index.js');
}

for (const forced of ['wasm-simd', 'wasm', 'js'] as const) {
  describe(`implementation ${forced}`, () => {
    let codec: Codec;
    beforeAll(async () => {
      codec = await freshCodec(forced);
    });
    afterAll(restore);

    it('is the active implementation', () => {
      expect(codec.implementation()).toBe(forced);
    });
    for (const test of cases) it(test.name, () => test.run(codec));
  });
}

describe('feature detection', () => {
  afterEach(restore);

  it('picks SIMD WASM when nothing is forced (Node has WASM SIMD)', async () => {
    const codec = await freshCodec('');
    expect(codec.implementation()).toBe('wasm-simd');
  });

  it('falls back to the pure-JS kernels without WebAssembly', async () => {
    const codec = await freshCodec('', { WebAssembly: undefined });
    expect(codec.implementation()).toBe('js');
    const out = new Uint8Array(200);
    codec.mask(new Uint8Array(200).fill(1), new Uint8Array([1, 2, 3, 4]), out, 0, 200);
    expect(out[199]).toBe(1 ^ 4);
  });

  it('falls back to scalar WASM when the engine rejects the SIMD build', async () => {
    const real = WebAssembly;
    // An engine without SIMD: validate() says no to any module using v128.
    const { simdBase64 } = await import('../../src/codec/wasm-binary.generated.js');
    const simd = Uint8Array.from(atob(simdBase64), (c) => c.charCodeAt(0));
    const codec = await freshCodec('', { WebAssembly: { ...real, Module: real.Module, Instance: real.Instance, validate: (bytes: Uint8Array<ArrayBuffer>) => bytes.length !== simd.length && real.validate(bytes) } });
    expect(codec.implementation()).toBe('wasm');
  });

  it('falls back to the pure-JS kernels when compiling WASM is forbidden (CSP, workerd handlers)', async () => {
    const real = WebAssembly;
    const forbidden = function Module() {
      throw new real.CompileError('WebAssembly.Module(): Wasm code generation disallowed by embedder');
    };
    const codec = await freshCodec('', { WebAssembly: { ...real, Module: forbidden, Instance: real.Instance, validate: real.validate, CompileError: real.CompileError } });
    expect(codec.implementation()).toBe('js');
    expect(codec.isValidUTF8(new TextEncoder().encode('żółw'.repeat(100)))).toBe(true);
  });

  it('forcing a build the engine cannot run throws at load', async () => {
    const real = WebAssembly;
    const loading = freshCodec('wasm-simd', { WebAssembly: { ...real, Module: real.Module, Instance: real.Instance, validate: () => false } });
    await expect(loading).rejects.toThrow(/WSFRAME_IMPLEMENTATION=wasm-simd, but this engine cannot run it/);
  });

  it('forcing an unknown implementation throws at load', async () => {
    await expect(freshCodec('fast')).rejects.toThrow(/WSFRAME_IMPLEMENTATION must be one of/);
  });

  it('forcing via a global works where there is no environment', async () => {
    const codec = await freshCodec('', { WSFRAME_IMPLEMENTATION: 'wasm' });
    expect(codec.implementation()).toBe('wasm');
  });
});
