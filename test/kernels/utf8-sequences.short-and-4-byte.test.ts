/**
 * Agreement with Node's `buffer.isUtf8` (simdutf): every 1- and 2-byte
 * sequence and a large random sample of 4-byte sequences, each placed in
 * ASCII across the kernel's 16-, 32- and 64-byte block edges
 * (test/support/utf8-placements.ts). Every 3-byte sequence: the two
 * utf8-sequences.3-byte-*.test.ts files.
 */
import { isUtf8 } from 'node:buffer';
import { beforeEach, describe, expect, it } from 'vitest';
import { isValidUTF8 } from '../../src/codec/utf8.js';
import { LENGTH, PADDING, checkSequence, placements, report, resetPadding, type Mismatch } from '../support/utf8-placements.js';
import { Random } from '../support/random.js';

const SEED = 0x5eed_0301;
const FOUR_BYTE_SAMPLES = Number(process.env.UTF8_FOUR_BYTE_SAMPLES ?? 1_000_000);

describe('agreement with buffer.isUtf8 across block edges', () => {
  beforeEach(resetPadding);

  it('every 1- and 2-byte sequence, also through the public API', () => {
    const mismatches: Mismatch[] = [];
    const one = new Uint8Array(1);
    for (let a = 0; a < 256; a++) {
      one[0] = a;
      checkSequence(one, placements(1), mismatches);
    }
    const two = new Uint8Array(2);
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        two[0] = a;
        two[1] = b;
        checkSequence(two, placements(2), mismatches);
      }
    }
    // The facade copies into the I/O region itself, so it runs after the kernel checks.
    const padded = new Uint8Array(LENGTH).fill(PADDING);
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        two[0] = a;
        two[1] = b;
        padded[61] = a;
        padded[62] = b;
        if (isValidUTF8(two) !== isUtf8(two) || isValidUTF8(padded) !== isUtf8(two)) report(mismatches, two, -3, 0, isUtf8(two));
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
