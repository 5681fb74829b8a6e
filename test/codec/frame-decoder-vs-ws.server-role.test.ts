// FrameDecoder vs ws's Receiver on generated streams, server role (masked frames).
// 50,000 cases here and 50,000 in frame-decoder-vs-ws.client-role.test.ts; WSFRAME_FUZZ_RUNS scales them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digest, wsframeDecode } from '../support/decode.js';
import { sameAsWs } from '../support/diff.js';
import { FUZZ_SEED, chunking, frames, fuzzRuns, items, split } from '../support/streams.js';
import { wsDecode } from '../support/ws.js';

describe(`FrameDecoder vs ws Receiver, server role, random streams (seed ${FUZZ_SEED})`, () => {
  it('small and edge-sized messages, fragmented, with interleaved pings and pongs, random chunks', () => {
    fc.assert(
      fc.property(items(70_000), chunking, fc.boolean(), (list, how, transient) => sameAsWs(list, how, 'server', transient)),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(50_000) },
    );
  });

  it('text with a corrupted byte: the same messages and close code as ws (control frames aside: wsframe fails fast)', () => {
    const dataOnly = (events: unknown[]) => events.filter((e) => (e as string[])[0] === 'message' || (e as string[])[0] === 'error');
    fc.assert(
      fc.property(items(4096), chunking, fc.boolean(), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (list, how, server, which, where, flip) => {
        const texts = list.filter((item) => 'message' in item && item.message.opcode === 1 && item.message.payload.length > 0);
        if (texts.length > 0) {
          const { message } = texts[which % texts.length] as { message: { payload: Uint8Array } };
          message.payload = message.payload.slice();
          message.payload[where % message.payload.length] ^= flip;
        }
        const chunks = split(frames(list, server), how);
        const expected = dataOnly(digest(wsDecode(chunks, server)));
        expect(dataOnly(digest(wsframeDecode(chunks, server ? 'server' : 'client').events))).toEqual(expected);
      }),
      { seed: FUZZ_SEED + 5, numRuns: fuzzRuns(10_000) },
    );
  });
});
