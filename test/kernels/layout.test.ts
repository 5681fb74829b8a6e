import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as layout from '../../src/codec/frame-layout.js';

/** `export const NAME[: type] = <integer>;` declarations of an AssemblyScript file. */
function constants(path: string): Map<string, number> {
  const source = readFileSync(new URL(path, import.meta.url), 'utf8');
  const found = new Map<string, number>();
  for (const [, name, value] of source.matchAll(/^export const (\w+)(?:: \w+)? = (0x[0-9a-f]+|\d+);/gim)) {
    found.set(name, Number(value));
  }
  return found;
}

describe('the frame layout contract', () => {
  it('src/codec/frame-layout.ts agrees with assembly/frame-state.ts on every constant they share', () => {
    const kernel = constants('../../assembly/frame-state.ts');
    const shared = Object.entries(layout).filter(([name]) => kernel.has(name));
    // Everything but the derived STATE_WORDS and the JS-only E_CLOSE_CODE is mirrored.
    expect(shared.length).toBeGreaterThanOrEqual(Object.keys(layout).length - 2);
    for (const [name, value] of shared) expect([name, value]).toEqual([name, kernel.get(name)]);
  });
});
