// FrameDecoder vs ws's Receiver on generated streams, client role (unmasked frames), and large messages.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { sameAsWs } from '../support/diff.js';
import { FUZZ_SEED, chunking, fuzzRuns, items } from '../support/streams.js';

describe(`FrameDecoder vs ws Receiver, client role, random streams (seed ${FUZZ_SEED})`, () => {
  it('small and edge-sized messages, fragmented, with interleaved pings and pongs, random chunks', () => {
    fc.assert(
      fc.property(items(70_000), chunking, fc.boolean(), (list, how, transient) => sameAsWs(list, how, 'client', transient)),
      { seed: FUZZ_SEED + 6, numRuns: fuzzRuns(50_000) },
    );
  });

  it('large messages: sizes uniform in 0 B–1 MiB, both roles', () => {
    fc.assert(
      fc.property(items(1 << 20, 3, fc.integer({ min: 0, max: 1 << 20 })), chunking, fc.boolean(), (list, how, server) => sameAsWs(list, how, server ? 'server' : 'client')),
      { seed: FUZZ_SEED + 1, numRuns: fuzzRuns(120) },
    );
  });
});
