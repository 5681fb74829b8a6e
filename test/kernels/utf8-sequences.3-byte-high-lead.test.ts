/**
 * Exhaustive agreement with buffer.isUtf8 for every 3-byte sequence whose
 * first byte is 80–FF (a continuation byte or a lead), placed across the
 * kernel's block edges. The ASCII-led half is utf8-sequences.3-byte-ascii-lead.test.ts
 * (two files, so vitest runs the halves in parallel).
 */
import { beforeEach, expect, it } from 'vitest';
import { checkThreeByte, resetPadding } from '../support/utf8-placements.js';

beforeEach(resetPadding);

it('every 3-byte sequence starting with 80–FF, across block edges', () => {
  expect(checkThreeByte(0x80, 0xff)).toEqual([]);
});
