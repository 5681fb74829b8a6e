/**
 * The layout exists once: assembly/layout.ts. Its compiled values (every
 * constant is an exported global of build/wsframe-layout.wasm) must be exactly
 * the TypeScript copy (src/codec/layout.generated.ts), every kernel set must
 * report the sizes it gives, and no other file may declare a layout constant
 * of its own. Whether each kernel *uses* the layout the same way is the
 * differential's job (differential.test.ts: identical state, table and memory).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fallbackKernels } from '../../src/codec/fallback/index.js';
import * as generated from '../../src/codec/layout.generated.js';
import { DESCRIPTOR_WORDS, IO_SIZE, STATE_SIZE, TABLE_ENTRIES } from '../../src/codec/layout.js';
import type { Kernels } from '../../src/codec/wasm.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function instantiate(file: string): WebAssembly.Exports {
  return new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(root, 'build', file))), {}).exports;
}

/** Every exported global of the compiled assembly/layout.ts, as JavaScript reads it. */
const compiled = Object.fromEntries(
  Object.entries(instantiate('wsframe-layout.wasm'))
    .filter(([, value]) => value instanceof WebAssembly.Global)
    .map(([name, value]) => [name, (value as WebAssembly.Global).value as unknown]),
);

const kernelSets: [string, Kernels][] = [
  ['wasm-simd', instantiate('wsframe.wasm') as unknown as Kernels],
  ['wasm', instantiate('wsframe-nosimd.wasm') as unknown as Kernels],
  ['js', fallbackKernels],
];

describe('the layout, defined once in assembly/layout.ts', () => {
  it('layout.generated.ts holds exactly the compiled constants, with their values', () => {
    expect(Object.keys(compiled).length).toBeGreaterThan(40);
    expect({ ...generated }).toEqual(compiled);
  });

  for (const [name, kernels] of kernelSets) {
    it(`${name}: the I/O region, state slot and table have the layout's sizes and do not overlap`, () => {
      expect(kernels.ioSize()).toBe(IO_SIZE);
      expect(kernels.frameTableEntries()).toBe(TABLE_ENTRIES);
      const regions = [
        [kernels.ioPtr(), IO_SIZE],
        [kernels.frameStatePtr(), STATE_SIZE],
        [kernels.frameTablePtr(), TABLE_ENTRIES * DESCRIPTOR_WORDS * 4],
      ].sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < regions.length; i++) expect(regions[i - 1][0] + regions[i - 1][1]).toBeLessThanOrEqual(regions[i][0]);
      const [lastStart, lastSize] = regions[regions.length - 1];
      expect(lastStart + lastSize).toBeLessThanOrEqual(kernels.memory.buffer.byteLength);
    });
  }

  it('no other source file declares a constant under a layout name (a private copy would escape the checks above)', () => {
    const names = new Set(Object.keys(compiled));
    const files = [
      ...readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).map((f) => join('src', f)),
      ...readdirSync(join(root, 'assembly'), { encoding: 'utf8' }).map((f) => join('assembly', f)),
    ].filter((f) => f.endsWith('.ts') && f !== join('assembly', 'layout.ts') && !f.endsWith('.generated.ts'));
    expect(files.length).toBeGreaterThan(20);
    const copies: string[] = [];
    for (const file of files) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const [, name] of source.matchAll(/\b(?:const|let|var)\s+(\w+)\b/g)) {
        if (names.has(name)) copies.push(`${file}: ${name}`);
      }
    }
    expect(copies).toEqual([]);
  });
});
