/** Exhaustive agreement with buffer.isUtf8, continued: the 3-byte sequences starting with 80–FF. */
import { beforeEach, expect, it } from 'vitest';
import { checkThreeByte, resetPadding } from './support/utf8-placements.js';

beforeEach(resetPadding);

it('every 3-byte sequence starting with 80–FF, across block edges', () => {
  expect(checkThreeByte(0x80, 0xff)).toEqual([]);
});
