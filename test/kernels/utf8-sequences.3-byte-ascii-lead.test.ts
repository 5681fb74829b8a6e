/**
 * Exhaustive agreement with buffer.isUtf8 for every 3-byte sequence whose
 * first byte is ASCII (00–7F), placed across the kernel's block edges. The
 * other half is utf8-sequences.3-byte-high-lead.test.ts.
 */
import { beforeEach, expect, it } from 'vitest';
import { checkThreeByte, resetPadding } from '../support/utf8-placements.js';

beforeEach(resetPadding);

it('every 3-byte sequence starting with 00–7F, across block edges', () => {
  expect(checkThreeByte(0x00, 0x7f)).toEqual([]);
});
