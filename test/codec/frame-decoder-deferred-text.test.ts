/**
 * Long text left to the native validator (FLAG_DEFER_UTF8, D_UTF8): the kernel
 * goes on after a deferred whole message, so one call can hold several of them
 * among other frames, and the decoder checks each in `collect`. Streams of many
 * messages of 4–20 KiB (the deferred size) mixed with short ones, fragments and
 * control frames, now and then one byte corrupted, pushed in random chunks or
 * whole (so many whole messages share a kernel call): the same messages and
 * close code as ws, the same events on the kernel's JS twin and in transient mode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameCore } from '../../src/codec/internal.js';
import { fallbackKernels } from '../../src/codec/fallback/index.js';
import { DEFER_UTF8_MIN } from '../../src/codec/layout.js';
import { digest, wsframeDecode } from '../support/decode.js';
import { FUZZ_SEED, chunking, frames, fuzzRuns, items, split } from '../support/streams.js';
import { wsDecode } from '../support/ws.js';

/** Mostly sizes the kernel defers (from DEFER_UTF8_MIN), some short ones, and the threshold's edges. */
const size = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: DEFER_UTF8_MIN, max: 20_000 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 140 }) },
  { weight: 1, arbitrary: fc.constantFrom(DEFER_UTF8_MIN - 1, DEFER_UTF8_MIN, DEFER_UTF8_MIN + 1) },
);

/** The whole stream in one push (several deferred messages per kernel call), or random chunks. */
const pushes = fc.oneof({ weight: 1, arbitrary: fc.constant({ cuts: [] as number[] }) }, { weight: 2, arbitrary: chunking });

const dataOnly = (events: unknown[]) => events.filter((e) => (e as string[])[0] === 'message' || (e as string[])[0] === 'error');

describe(`FrameDecoder, several long text messages per kernel call (seed ${FUZZ_SEED})`, () => {
  it('the same messages and close code as ws, with one byte corrupted or none; the same events on the JS twin and in transient mode', () => {
    const twin = frameCore(fallbackKernels);
    fc.assert(
      fc.property(items(20_000, 12, size), pushes, fc.boolean(), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (generated, how, server, which, where, flip) => {
        // A copy with one text byte flipped (the generated items stay as they are, for shrinking).
        const texts = generated.filter((item) => 'message' in item && item.message.opcode === 1 && item.message.payload.length > 0);
        const target = texts.length > 0 && flip !== 0 ? texts[which % texts.length] : undefined;
        const list = generated.map((item) => {
          if (item !== target || !('message' in item)) return item;
          const payload = item.message.payload.slice();
          payload[where % payload.length] ^= flip;
          return { message: { ...item.message, payload } };
        });
        const chunks = split(frames(list, server), how);
        const role = server ? 'server' : 'client';
        const ours = digest(wsframeDecode(chunks, role).events);
        const theirs = digest(wsDecode(chunks, server));
        // Control frames aside: after invalid text wsframe fails fast, ws may still deliver the controls inside it.
        expect(dataOnly(ours)).toEqual(dataOnly(theirs));
        if (target === undefined) expect(ours).toEqual(theirs);
        expect(digest(wsframeDecode(chunks, role, { core: twin }).events)).toEqual(ours);
        expect(digest(wsframeDecode(chunks, role, { transient: true }).events)).toEqual(ours);
      }),
      { seed: FUZZ_SEED + 12, numRuns: fuzzRuns(400) },
    );
  });
});
