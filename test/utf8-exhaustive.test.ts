/**
 * Exhaustive agreement with Node's `buffer.isUtf8` (simdutf): every 1-, 2- and
 * 3-byte sequence and a large random sample of 4-byte sequences, each placed
 * in ASCII at positions that straddle the kernel's 16-, 32- and 64-byte block
 * edges, at the start, and at the very end (truncation).
 */
import { isUtf8 } from 'node:buffer';
import { beforeEach, describe, expect, it } from 'vitest';
import { IO_PTR, io, kernels } from '../src/codec/wasm.js';
import { utf8Kernels } from '../src/codec/fallback/utf8.js';
import { isValidUTF8 } from '../src/codec/utf8.js';
import { Random } from './support/random.js';

const SEED = 0x5eed_0301;
const FOUR_BYTE_SAMPLES = Number(process.env.UTF8_FOUR_BYTE_SAMPLES ?? 1_000_000);

// Layout the driver sees for a 150-byte buffer: 64-byte groups [0, 64) and
// [64, 128), one 16-byte block [128, 144), the scalar tail [144, 150).
const LENGTH = 150;
/** Start positions: buffer start; across 16 (13–15); 32; 64; into the 16-byte loop; into the tail; the end. */
function placements(width: number): number[] {
  const near = [0, 16 - width, 15, 30, 31, 62, 63, 127, 143, LENGTH - width];
  if (width > 1) near.push(14, 126, 142);
  return [...new Set(near)];
}

const padding = 0x61; // 'a'
const twin = utf8Kernels(new Uint8Array(kernels.memory.buffer));

/** A disagreement: `at` is the placement, -1 the sequence alone, -2 the JS twin, -3 the facade. */
interface Mismatch { bytes: string; at: number; state: number; expected: boolean }

/** Checks one sequence at every placement, alone, and in the JS twin; pushes mismatches. */
function checkSequence(sequence: Uint8Array, at: number[], mismatches: Mismatch[]): void {
  const expected = isUtf8(sequence);
  const width = sequence.length;
  for (const p of at) {
    for (let i = 0; i < width; i++) io[p + i] = sequence[i];
    const state = kernels.validateUtf8(IO_PTR, LENGTH, 0);
    for (let i = 0; i < width; i++) io[p + i] = padding;
    if ((state === 0) !== expected) report(mismatches, sequence, p, state, expected);
  }
  for (let i = 0; i < width; i++) io[i] = sequence[i];
  const alone = kernels.validateUtf8(IO_PTR, width, 0);
  const twinAlone = twin.validateUtf8(IO_PTR, width, 0);
  for (let i = 0; i < width; i++) io[i] = padding;
  if ((alone === 0) !== expected) report(mismatches, sequence, -1, alone, expected);
  if ((twinAlone === 0) !== expected) report(mismatches, sequence, -2, twinAlone, expected);
}

function report(mismatches: Mismatch[], sequence: Uint8Array, at: number, state: number, expected: boolean): void {
  if (mismatches.length < 20) mismatches.push({ bytes: Buffer.from(sequence).toString('hex'), at, state, expected });
}

describe('agreement with buffer.isUtf8 across block edges', () => {
  beforeEach(() => {
    io.fill(padding, 0, LENGTH);
  });

  it('every 1- and 2-byte sequence, also through the public API', () => {
    const mismatches: Mismatch[] = [];
    const one = new Uint8Array(1);
    for (let a = 0; a < 256; a++) {
      one[0] = a;
      checkSequence(one, placements(1), mismatches);
    }
    const two = new Uint8Array(2);
    const padded = new Uint8Array(LENGTH).fill(padding);
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        two[0] = a;
        two[1] = b;
        checkSequence(two, placements(2), mismatches);
      }
    }
    // The facade copies into the I/O region itself, so it runs after the kernel checks.
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        two[0] = a;
        two[1] = b;
        padded[61] = a;
        padded[62] = b;
        if (isValidUTF8(two) !== isUtf8(two) || isValidUTF8(padded) !== isUtf8(two)) {
          report(mismatches, two, -3, 0, isUtf8(two));
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('every 3-byte sequence', () => {
    const mismatches: Mismatch[] = [];
    const three = new Uint8Array(3);
    const at = placements(3);
    for (let a = 0; a < 256; a++) {
      three[0] = a;
      for (let b = 0; b < 256; b++) {
        three[1] = b;
        for (let c = 0; c < 256; c++) {
          three[2] = c;
          checkSequence(three, at, mismatches);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it(`${FOUR_BYTE_SAMPLES} random 4-byte sequences (seed ${SEED})`, () => {
    const random = new Random(SEED);
    const mismatches: Mismatch[] = [];
    const four = new Uint8Array(4);
    const at = placements(4);
    let valid = 0;
    for (let n = 0; n < FOUR_BYTE_SAMPLES; n++) {
      // Leads F0–F4 and continuation bytes most of the time, so that about
      // half the samples are valid and the rest sit next to the boundaries.
      four[0] = random.int(4) === 0 ? random.int(256) : 0xf0 + random.int(6) - (random.int(8) === 0 ? 1 : 0);
      for (let i = 1; i < 4; i++) four[i] = random.int(5) === 0 ? random.int(256) : 0x80 + random.int(64);
      checkSequence(four, at, mismatches);
      if (isUtf8(four)) valid++;
    }
    expect(mismatches).toEqual([]);
    expect(valid).toBeGreaterThan(FOUR_BYTE_SAMPLES / 10);
  });
});
