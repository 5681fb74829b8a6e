/**
 * FrameEncoder's batches against ws's `Sender.frame`, byte for byte: random
 * frames (binary, text as strings and as bytes, fragmented messages, pings),
 * random sizes around every path's limits, strings with 1- to 4-byte characters
 * and lone surrogates, payloads at random offsets of their buffers, batches of
 * random length. In the client role each reference frame is masked with the key
 * the encoder put in its header, so masking is compared too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameEncoder } from '../../src/codec/index.js';
import { FUZZ_SEED, fuzzRuns, payloadSize } from '../support/streams.js';
import { ws } from '../support/ws.js';

type Frame =
  | { kind: 'binary' | 'text-bytes' | 'ping'; bytes: Uint8Array; offset: number; fin: boolean }
  | { kind: 'text'; text: string; fin: boolean };

/** Characters of every UTF-8 width, lone surrogates (ws and TextEncoder write U+FFFD) and mostly ASCII. */
const character = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 0x7f }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0x7ff }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x800, max: 0xffff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
).map((cp) => String.fromCodePoint(cp));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** Mostly-ASCII strings of any length the encoder's paths split on, sometimes with one odd character. */
const text = fc.oneof(
  { weight: 3, arbitrary: payloadSize(70_000).map((n) => 'x'.repeat(n)) },
  { weight: 4, arbitrary: fc.array(character, { maxLength: 300 }).map((cs) => cs.join('')) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 1200 }), fc.oneof(character, loneSurrogate), fc.nat()).map(([n, odd, at]) => {
      const ascii = 'a'.repeat(n);
      const cut = n === 0 ? 0 : at % (n + 1);
      return ascii.slice(0, cut) + odd + ascii.slice(cut);
    }),
  },
);

const bytes = fc.tuple(payloadSize(70_000), fc.integer({ min: 0, max: 7 })).map(([n, offset]) => {
  const whole = new Uint8Array(offset + n);
  for (let i = 0; i < whole.length; i++) whole[i] = (i * 151 + 7) & 0xff;
  return { bytes: whole.subarray(offset), offset };
});

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(bytes, fc.boolean()).map(([b, fin]) => ({ kind: 'binary' as const, ...b, fin })) },
  { weight: 1, arbitrary: fc.tuple(bytes, fc.boolean()).map(([b, fin]) => ({ kind: 'text-bytes' as const, ...b, fin })) },
  { weight: 4, arbitrary: fc.tuple(text, fc.boolean()).map(([t, fin]) => ({ kind: 'text' as const, text: t, fin })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 125 }).map((n) => ({ kind: 'ping' as const, bytes: new Uint8Array(n).fill(n), offset: 0, fin: true })) },
);

/** Header bytes before the masking key of a frame whose payload is `length` bytes. */
const keyAt = (length: number) => (length < 126 ? 2 : length < 65536 ? 4 : 10);

/**
 * Encodes `frames` into one batch (each data frame's opcode follows the
 * message in progress) and builds ws's frames beside it, masked with the keys
 * the batch holds. Returns both.
 */
function encodeBoth(encoder: FrameEncoder, frames: Frame[], masked: boolean): { batch: Uint8Array; reference: Buffer } {
  const plan: { payload: Buffer; opcode: number; fin: boolean }[] = [];
  let inProgress = false;
  for (const f of frames) {
    if (f.kind === 'ping') {
      encoder.ping(f.bytes);
      plan.push({ payload: Buffer.from(f.bytes), opcode: 9, fin: true });
      continue;
    }
    const data = f.kind === 'text' ? f.text : f.bytes;
    const opcode = inProgress ? 0 : f.kind === 'binary' ? 2 : 1;
    if (inProgress) encoder.continuation(data, f.fin);
    else if (f.kind === 'binary') encoder.binary(f.bytes, f.fin);
    else encoder.text(data, f.fin);
    plan.push({ payload: Buffer.from(typeof data === 'string' ? Buffer.from(data) : data), opcode, fin: f.fin });
    inProgress = !f.fin;
  }
  if (inProgress) {
    encoder.continuation('', true);
    plan.push({ payload: Buffer.alloc(0), opcode: 0, fin: true });
  }
  const batch = encoder.flush();
  const parts: Buffer[] = [];
  let at = 0;
  for (const { payload, opcode, fin } of plan) {
    const key = Buffer.from(batch.subarray(at + keyAt(payload.length), at + keyAt(payload.length) + 4));
    const options = { fin, opcode, mask: masked, readOnly: true, rsv1: false, generateMask: (m: Buffer) => m.set(key) };
    const part = Buffer.concat(ws.Sender.frame(Buffer.from(payload), options));
    parts.push(part);
    at += part.length;
  }
  return { batch, reference: Buffer.concat(parts) };
}

describe(`FrameEncoder batches equal ws Sender.frame byte for byte (seed ${FUZZ_SEED})`, () => {
  for (const role of ['server', 'client'] as const) {
    it(`${role} role: random frames, sizes, strings (lone surrogates too) and payload offsets`, () => {
      const encoder = new FrameEncoder({ role });
      fc.assert(
        fc.property(fc.array(frame, { minLength: 1, maxLength: 40 }), (frames) => {
          const { batch, reference } = encodeBoth(encoder, frames, role === 'client');
          expect(Buffer.compare(Buffer.from(batch.buffer, batch.byteOffset, batch.length), reference)).toBe(0);
        }),
        { seed: FUZZ_SEED + 12, numRuns: fuzzRuns(400) },
      );
    });
  }

});
