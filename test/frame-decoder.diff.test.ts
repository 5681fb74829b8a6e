import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digest, wsframeDecode } from './support/decode.js';
import { FUZZ_SEED, chunking, frames, fuzzRuns, items, split } from './support/streams.js';
import { wsDecode } from './support/ws.js';

function sameAsWs(list: Parameters<typeof frames>[0], how: Parameters<typeof split>[1], role: 'server' | 'client', transient = false): void {
  const stream = frames(list, role === 'server');
  const chunks = split(stream, how);
  const expected = digest(wsDecode(chunks, role === 'server'));
  const { events, decoder } = wsframeDecode(chunks, role, { transient });
  expect(digest(events)).toEqual(expected);
  expect(decoder.error).toBe(null);
  // Every message came out: ws saw them too, so the count is the item count.
  expect(events.length).toBe(expected.length);
}

describe(`FrameDecoder vs ws Receiver, random streams (seed ${FUZZ_SEED})`, () => {
  it('small and edge-sized messages, fragmented, with interleaved pings and pongs, random chunks', () => {
    fc.assert(
      fc.property(items(70_000), chunking, fc.boolean(), fc.boolean(), (list, how, server, transient) =>
        sameAsWs(list, how, server ? 'server' : 'client', transient)),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(100_000) },
    );
  });

  it('large messages up to 1 MiB', () => {
    fc.assert(
      fc.property(items(1 << 20, 3), chunking, fc.boolean(), (list, how, server) => sameAsWs(list, how, server ? 'server' : 'client')),
      { seed: FUZZ_SEED + 1, numRuns: fuzzRuns(150) },
    );
  });
});
