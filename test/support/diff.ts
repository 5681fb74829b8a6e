/** The decoder differential check: wsframe's events must equal ws's for the same chunks. */
import { expect } from 'vitest';
import { digest, wsframeDecode } from './decode.js';
import { type Item, frames, split } from './streams.js';
import { wsDecode } from './ws.js';

export function sameAsWs(list: Item[], how: Parameters<typeof split>[1], role: 'server' | 'client', transient = false): void {
  const chunks = split(frames(list, role === 'server'), how);
  const expected = digest(wsDecode(chunks, role === 'server'));
  const { events, decoder } = wsframeDecode(chunks, role, { transient });
  expect(digest(events)).toEqual(expected);
  expect(decoder.error).toBe(null);
}
