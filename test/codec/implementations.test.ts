// The shared vectors (test/support/vectors) under each implementation, forced with
// WSFRAME_IMPLEMENTATION: SIMD WASM, scalar WASM and the pure-JS twins.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allCases, type Codec } from '../support/vectors/index.js';

const SEED = Number(process.env.WSFRAME_SEED ?? 0x5eed_0006);
const cases = allCases({ seed: SEED, scale: Number(process.env.WSFRAME_SCALE ?? 3) });

for (const forced of ['wasm-simd', 'wasm', 'js'] as const) {
  describe(`implementation ${forced}`, () => {
    let codec: Codec;
    beforeAll(async () => {
      vi.resetModules();
      vi.stubEnv('WSFRAME_IMPLEMENTATION', forced);
      codec = await import('../../src/codec/index.js');
    });
    afterAll(() => {
      vi.unstubAllEnvs();
    });

    it('is the active implementation', () => {
      expect(codec.implementation()).toBe(forced);
    });
    for (const test of cases) it(test.name, () => test.run(codec));
  });
}

describe('feature detection', () => {
  it('picks SIMD WASM when nothing is forced (Node has WASM SIMD)', async () => {
    vi.resetModules();
    vi.stubEnv('WSFRAME_IMPLEMENTATION', '');
    const codec = await import('../../src/codec/index.js');
    expect(codec.implementation()).toBe('wasm-simd');
    vi.unstubAllEnvs();
  });

  it('falls back to the pure-JS kernels without WebAssembly', async () => {
    vi.resetModules();
    vi.stubEnv('WSFRAME_IMPLEMENTATION', '');
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const codec = await import('../../src/codec/index.js');
      expect(codec.implementation()).toBe('js');
      const out = new Uint8Array(200);
      codec.mask(new Uint8Array(200).fill(1), new Uint8Array([1, 2, 3, 4]), out, 0, 200);
      expect(out[199]).toBe(1 ^ 4);
    } finally {
      vi.unstubAllGlobals();
      vi.unstubAllEnvs();
    }
  });

  it('falls back to scalar WASM when the engine rejects the SIMD build', async () => {
    vi.resetModules();
    vi.stubEnv('WSFRAME_IMPLEMENTATION', '');
    const real = WebAssembly;
    // An engine without SIMD: validate() says no to any module using v128.
    const { simdBase64 } = await import('../../src/codec/wasm-binary.generated.js');
    const simd = Uint8Array.from(atob(simdBase64), (c) => c.charCodeAt(0));
    vi.stubGlobal('WebAssembly', { ...real, Module: real.Module, Instance: real.Instance, validate: (bytes: Uint8Array<ArrayBuffer>) => bytes.length !== simd.length && real.validate(bytes) });
    try {
      const codec = await import('../../src/codec/index.js');
      expect(codec.implementation()).toBe('wasm');
    } finally {
      vi.unstubAllGlobals();
      vi.unstubAllEnvs();
    }
  });

  it('falls back to the pure-JS kernels when compiling WASM is forbidden (CSP, workerd handlers)', async () => {
    vi.resetModules();
    vi.stubEnv('WSFRAME_IMPLEMENTATION', '');
    const real = WebAssembly;
    const forbidden = function Module() {
      throw new real.CompileError('WebAssembly.Module(): Wasm code generation disallowed by embedder');
    };
    vi.stubGlobal('WebAssembly', { ...real, Module: forbidden, Instance: real.Instance, validate: real.validate, CompileError: real.CompileError });
    try {
      const codec = await import('../../src/codec/index.js');
      expect(codec.implementation()).toBe('js');
      expect(codec.isValidUTF8(new TextEncoder().encode('żółw'.repeat(100)))).toBe(true);
    } finally {
      vi.unstubAllGlobals();
      vi.unstubAllEnvs();
    }
  });

  it('forcing a build the engine cannot run throws at load', async () => {
    vi.resetModules();
    vi.stubEnv('WSFRAME_IMPLEMENTATION', 'wasm-simd');
    const real = WebAssembly;
    vi.stubGlobal('WebAssembly', { ...real, Module: real.Module, Instance: real.Instance, validate: () => false });
    try {
      await expect(import('../../src/codec/index.js')).rejects.toThrow(/WSFRAME_IMPLEMENTATION=wasm-simd, but this engine cannot run it/);
    } finally {
      vi.unstubAllGlobals();
      vi.unstubAllEnvs();
    }
  });

  it('forcing an unknown implementation throws at load', async () => {
    vi.resetModules();
    vi.stubEnv('WSFRAME_IMPLEMENTATION', 'fast');
    await expect(import('../../src/codec/index.js')).rejects.toThrow(/WSFRAME_IMPLEMENTATION must be one of/);
    vi.unstubAllEnvs();
  });

  it('forcing via a global works where there is no environment', async () => {
    vi.resetModules();
    vi.stubEnv('WSFRAME_IMPLEMENTATION', '');
    vi.stubGlobal('WSFRAME_IMPLEMENTATION', 'wasm');
    try {
      const codec = await import('../../src/codec/index.js');
      expect(codec.implementation()).toBe('wasm');
    } finally {
      vi.unstubAllGlobals();
      vi.unstubAllEnvs();
    }
  });
});
