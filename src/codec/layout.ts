/**
 * The kernels' memory layout and result codes, for the codec's TypeScript and
 * the pure-JS twins. Defined once, in assembly/layout.ts (which documents every
 * field); layout.generated.ts holds the values compiled from it (npm run build).
 * Add a constant there, never here.
 */
import { STATE_SIZE } from './layout.generated.js';

export * from './layout.generated.js';

/** 32-bit words in the state slot: `Int32Array` views of it have this length. */
export const STATE_WORDS = STATE_SIZE / 4;

/** The little-endian u64 at byte `offset` (an S_* 64-bit field) of a state slot viewed as words; exact below 2^53. */
export function getState64(state: Int32Array, offset: number): number {
  const at = offset >> 2;
  return (state[at + 1] >>> 0) * 0x1_0000_0000 + (state[at] >>> 0);
}

/** Stores `value` (a safe integer ≥ 0) as the little-endian u64 at byte `offset` of a state slot viewed as words. */
export function setState64(state: Int32Array, offset: number, value: number): void {
  const at = offset >> 2;
  state[at] = value % 0x1_0000_0000;
  state[at + 1] = Math.floor(value / 0x1_0000_0000);
}
