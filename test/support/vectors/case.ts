/**
 * The shared test vectors: plain checks over the codec's public API that run
 * unchanged under vitest (each implementation, test/codec/implementations.test.ts)
 * and inside Deno, Bun, workerd and Chromium (scripts/runtimes). No test
 * framework, no Node APIs: a failed check throws.
 */
import type * as CodecModule from '../../../src/codec/index.js';

export type Codec = typeof CodecModule;

export interface Options {
  /** Seed for the random sample; the name of each random case shows it. */
  seed: number;
  /** Multiplies the random sample's size: 1 in the runtimes, more under vitest. */
  scale: number;
}

export interface Case {
  name: string;
  run(codec: Codec): void;
}

export function fail(message: string): never {
  throw new Error(message);
}

export function check(condition: boolean, message: () => string): void {
  if (!condition) fail(message());
}

/** Index of the first differing byte, or -1 when equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

export function checkBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const at = firstDifference(actual, expected);
  check(at < 0, () => `${what}: differs at byte ${at} (got ${actual[at]}, want ${expected[at]}; lengths ${actual.length}/${expected.length})`);
}

export function checkThrows(call: () => void, type: ErrorConstructor, what: string): void {
  try {
    call();
  } catch (error) {
    check(error instanceof type, () => `${what}: threw ${String(error)}, want ${type.name}`);
    return;
  }
  fail(`${what}: did not throw`);
}

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
