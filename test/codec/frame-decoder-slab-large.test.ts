/**
 * Owned delivery's memory for messages over half a slab that arrive in pieces: one that does not fit in the
 * current slab's room gets a buffer of its own size (a new slab would leave the rest of it unused: a 64 KiB
 * message took a 120 KiB slab and left 56 KiB, bench/results/echo-profile.md §15 and §17); one that fits is
 * placed in the room. Random sizes around half a slab and a slab, text and binary, fragmented or not, with
 * short messages and pings between them, in random chunks smaller than half a slab (as a socket's reads are
 * smaller than such a message). Every message is kept as delivered while the rest of the stream is decoded and
 * compared with ws's at the end, so memory handed out twice shows up as a difference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLAB_SIZE } from '../../src/codec/slab.js';
import { digest, wsframeDecode } from '../support/decode.js';
import { FUZZ_SEED, frames, fuzzRuns, items, split } from '../support/streams.js';
import { wsDecode } from '../support/ws.js';

const HALF = SLAB_SIZE / 2;

/** Sizes on both sides of half a slab and of a slab, with short ones between them. */
const size = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: HALF - 2048, max: SLAB_SIZE + 2048 }) },
  { weight: 1, arbitrary: fc.constantFrom(HALF, HALF + 1, 65_536, SLAB_SIZE) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 4096 }) },
);

/** Chunks of random sizes, each smaller than half a slab. */
const chunks = fc.array(fc.integer({ min: 1, max: HALF - 1 }), { minLength: 1, maxLength: 8 });

function cut(stream: Uint8Array, sizes: number[]): Uint8Array[] {
  const points: number[] = [];
  for (let at = 0, i = 0; at < stream.length; i++) points.push((at += sizes[i % sizes.length]));
  return split(stream, { cuts: points.map((at) => Math.min(at, stream.length) / stream.length) });
}

describe(`FrameDecoder owned delivery: messages over half a slab (seed ${FUZZ_SEED})`, () => {
  it('get their own buffer unless they fit in the slab, and stay intact (compared with ws)', () => {
    let ownBuffers = 0;
    let inRoom = 0;
    fc.assert(
      fc.property(items(SLAB_SIZE + 2048, 6, size), chunks, (list, sizes) => {
        const pieces = cut(frames(list, true), sizes);
        const expected = digest(wsDecode(pieces, true));
        const { events, decoder } = wsframeDecode(pieces, 'server');
        expect(decoder.error).toBe(null);
        expect(digest(events)).toEqual(expected);
        for (const event of events) {
          if (event.kind !== 'message' || event.data.length <= HALF) continue;
          const { data } = event;
          // Its own buffer, exactly its size; or placed after other bytes in a slab (never at the start of a new one).
          if (data.byteOffset === 0) {
            expect(data.buffer.byteLength).toBe(data.length);
            ownBuffers++;
          } else {
            expect(data.buffer.byteLength).toBeLessThanOrEqual(SLAB_SIZE);
            inRoom++;
          }
        }
      }),
      { seed: FUZZ_SEED + 17, numRuns: fuzzRuns(300) },
    );
    // Both cases were generated.
    expect(ownBuffers).toBeGreaterThan(0);
    expect(inRoom).toBeGreaterThan(0);
  });
});
