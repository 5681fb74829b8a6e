/**
 * Delivery of large messages that span reads, in both modes.
 *
 * Owned: every message stays intact for good. The messages are kept as delivered (no copy) while the rest of
 * the stream is decoded, and compared with ws's at the end, so a byte of slab memory handed out twice, or a
 * message assembled in memory that is reused, shows up as a difference.
 *
 * Transient: single-frame messages up to REUSED_MAX that span reads are assembled in two buffers the decoder
 * reuses. Each view must hold its message during its callback (the test copies it there), including when a
 * callback pushes more data into the same decoder (the new message must not land in the buffer being
 * delivered) or callbacks throw (the undelivered messages are moved out before the buffers are reused).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/codec/index.js';
import { digest, wsframeDecode } from '../support/decode.js';
import { FUZZ_SEED, chunking, frames, fuzzRuns, items, split } from '../support/streams.js';
import { type Event, wsDecode } from '../support/ws.js';

/** Sizes that straddle 64 KiB reads and the reused buffers' limit, with short ones between them. */
const size = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1024, max: 70_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 140 }) },
  { weight: 1, arbitrary: fc.constantFrom(65_535, 65_536, 65_537) },
);

/** 64 KiB reads as a socket gives them (the decoder's I/O size), or random chunks. */
const reads = fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 4096, max: 65_536 }).map((n) => ({ size: n })) }, { weight: 2, arbitrary: chunking });

describe(`FrameDecoder, large messages spanning reads (seed ${FUZZ_SEED})`, () => {
  it('owned and transient delivery give ws\'s messages; owned messages stay intact while later input is decoded', () => {
    fc.assert(
      fc.property(items(70_000, 10, size), reads, fc.boolean(), (list, how, server) => {
        const chunks = split(frames(list, server), how);
        const expected = digest(wsDecode(chunks, server));
        const role = server ? 'server' : 'client';
        // Owned messages are digested only after the whole stream was decoded.
        expect(digest(wsframeDecode(chunks, role).events)).toEqual(expected);
        expect(digest(wsframeDecode(chunks, role, { transient: true }).events)).toEqual(expected);
      }),
      { seed: FUZZ_SEED + 12, numRuns: fuzzRuns(400) },
    );
  });

  it('transient: a callback that pushes into its own decoder or throws never sees its bytes overwritten', () => {
    fc.assert(
      fc.property(items(70_000, 10, size), reads, fc.nat(), fc.nat(), (list, how, nestAt, throwAt) => {
        const chunks = split(frames(list, true), how);
        const expected = digest(wsDecode(chunks, true));
        const events: Event[] = [];
        let messages = 0;
        let nested = 0;
        let next = 0;
        const decoder: FrameDecoder = new FrameDecoder({
          role: 'server',
          maxPayload: 0,
          transient: true,
          onMessage(data, isBinary) {
            const before = data.slice();
            const index = messages++;
            // One message's callback feeds the decoder the next chunk (a nested push: its events follow this one).
            if (index === nestAt % 8 && next < chunks.length) {
              nested++;
              decoder.push(chunks[next++]);
            }
            // The view must still hold this message after the nested push.
            expect(Buffer.compare(Buffer.from(data), Buffer.from(before))).toBe(0);
            events.push({ kind: 'message', data: before, isBinary });
            // Callbacks that throw now and then: the events after them wait for the next push.
            if (index % 3 === throwAt % 3) throw new Error('thrown by the callback');
          },
          onPing: (data) => events.push({ kind: 'ping', data: data.slice() }),
          onPong: (data) => events.push({ kind: 'pong', data: data.slice() }),
          onError: (error) => events.push({ kind: 'error', closeCode: error.closeCode, code: error.code }),
        });
        const push = (chunk: Uint8Array): void => {
          try {
            decoder.push(chunk);
          } catch {
            // Thrown by onMessage; the rest is delivered by the next push.
          }
        };
        while (next < chunks.length) push(chunks[next++]);
        for (let i = 0; i < messages + 1; i++) push(new Uint8Array(0));
        expect(digest(events)).toEqual(expected);
        expect(nested).toBeLessThanOrEqual(1);
      }),
      { seed: FUZZ_SEED + 13, numRuns: fuzzRuns(600) },
    );
  });
});
