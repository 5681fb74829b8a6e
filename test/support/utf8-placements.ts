/**
 * Agreement with Node's `buffer.isUtf8` for short byte sequences placed in
 * ASCII where they straddle the kernel's block edges. The kernel's layout for
 * a LENGTH-byte call: the first 16-byte block [0, 16), 64-byte groups
 * [16, 80) and [80, 144), one 16-byte block [144, 160), and the automaton's
 * tail [160, 166) (after backing up over an open character).
 */
import { isUtf8 } from 'node:buffer';
import { IO_PTR, io, kernels } from '../../src/codec/wasm.js';
import { utf8Kernels } from '../../src/codec/fallback/utf8.js';

export const LENGTH = 166;
export const PADDING = 0x61; // 'a'

/**
 * Start positions for a `width`-byte sequence: the start, ending at the first
 * edge, across 16 (first block → group), 32 and 64 (inside a group), 80
 * (group → group), 144 (group → block), 160 (block → tail), and the very end.
 */
export function placements(width: number): number[] {
  const starts = [0, 16 - width, 15, 31, 63, 79, 143, 159, LENGTH - width];
  if (width > 1) starts.push(14, 30, 62, 78, 142, 158);
  return [...new Set(starts)];
}

const twin = utf8Kernels(new Uint8Array(kernels.memory.buffer));

/** A disagreement: `at` is the placement, -1 the sequence alone, -2 the JS twin. */
export interface Mismatch { bytes: string; at: number; state: number; expected: boolean }

export function resetPadding(): void {
  io.fill(PADDING, 0, LENGTH);
}

/** Checks one sequence at every placement, alone, and in the JS twin; records mismatches. */
export function checkSequence(sequence: Uint8Array, at: number[], mismatches: Mismatch[]): void {
  const expected = isUtf8(sequence);
  const width = sequence.length;
  for (const p of at) {
    for (let i = 0; i < width; i++) io[p + i] = sequence[i];
    const state = kernels.validateUtf8(IO_PTR, LENGTH, 0);
    for (let i = 0; i < width; i++) io[p + i] = PADDING;
    if ((state === 0) !== expected) report(mismatches, sequence, p, state, expected);
  }
  for (let i = 0; i < width; i++) io[i] = sequence[i];
  const alone = kernels.validateUtf8(IO_PTR, width, 0);
  const twinAlone = twin.validateUtf8(IO_PTR, width, 0);
  for (let i = 0; i < width; i++) io[i] = PADDING;
  if ((alone === 0) !== expected) report(mismatches, sequence, -1, alone, expected);
  if ((twinAlone === 0) !== expected) report(mismatches, sequence, -2, twinAlone, expected);
}

export function report(mismatches: Mismatch[], sequence: Uint8Array, at: number, state: number, expected: boolean): void {
  if (mismatches.length < 20) mismatches.push({ bytes: Buffer.from(sequence).toString('hex'), at, state, expected });
}

/** Every 3-byte sequence whose first byte is in [first, last]. */
export function checkThreeByte(first: number, last: number): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const three = new Uint8Array(3);
  const at = placements(3);
  for (let a = first; a <= last; a++) {
    three[0] = a;
    for (let b = 0; b < 256; b++) {
      three[1] = b;
      for (let c = 0; c < 256; c++) {
        three[2] = c;
        checkSequence(three, at, mismatches);
      }
    }
  }
  return mismatches;
}
