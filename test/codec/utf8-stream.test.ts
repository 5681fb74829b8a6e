/**
 * Streaming and property tests: random valid text in many scripts with
 * single-byte corruptions (fast-check), every split position, random
 * multi-way splits, and fail-fast at exactly the first chunk whose bytes
 * cannot start valid UTF-8. Expected verdicts come from buffer.isUtf8 and
 * test/support/utf8.ts, never from wsframe's own automaton.
 * UTF8_FC_RUNS / UTF8_FC_SEED run more or other cases.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UTF8_WASM_THRESHOLD, Utf8Validator, isValidUTF8 } from '../../src/codec/index.js';
import { Random } from '../support/random.js';
import { SCRIPTS, firstInvalidLength } from '../support/utf8.js';

const RUNS = Number(process.env.UTF8_FC_RUNS ?? 200);
const FC_SEED = Number(process.env.UTF8_FC_SEED ?? 0x5eed_0303);
const SEED = 0x5eed_0304;

/**
 * Pushes `chunks` and checks: push returns false first at the chunk that
 * brings in byte `bad - 1` (bad = firstInvalidLength), and false ever after;
 * end() says whether the whole text is valid.
 */
function checkChunks(data: Uint8Array, cuts: number[], bad = firstInvalidLength(data)): void {
  const validator = new Utf8Validator();
  let start = 0;
  for (const end of [...cuts, data.length]) {
    const ok = validator.push(data.subarray(start, end));
    if (ok !== end < bad) {
      throw new Error(`push of [${start}, ${end}) returned ${ok}; first bad prefix length ${bad}, bytes ${Buffer.from(data).toString('hex').slice(0, 400)}`);
    }
    start = end;
  }
  expect(validator.end()).toBe(isUtf8(data));
}

function codePoint(script: keyof typeof SCRIPTS): fc.Arbitrary<number> {
  return fc
    .constantFrom(...SCRIPTS[script])
    .chain(([lo, hi]) => fc.integer({ min: lo, max: hi }))
    .map((cp) => (cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp));
}

/** Valid text in one script (or mixed), as UTF-8. */
const text: fc.Arbitrary<Uint8Array> = fc
  .constantFrom(...(Object.keys(SCRIPTS) as (keyof typeof SCRIPTS)[]))
  .chain((script) => fc.array(codePoint(script), { maxLength: 1500 }))
  .map((cps) => Buffer.from(String.fromCodePoint(...cps)));

/** Sorted cut positions in [0, length]. */
const cutsFor = (length: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: length }), { maxLength: 12 }).map((cuts) => cuts.sort((a, b) => a - b));

describe('property: random text in many scripts', () => {
  it('valid text is valid, one-shot and in random chunks', () => {
    fc.assert(
      fc.property(text.chain((data) => fc.tuple(fc.constant(data), cutsFor(data.length))), ([data, cuts]) => {
        expect(isValidUTF8(data)).toBe(true);
        checkChunks(data, cuts, Infinity);
      }),
      { numRuns: RUNS, seed: FC_SEED },
    );
  });

  it('a single corrupted byte: same verdict as buffer.isUtf8, fails fast at the right chunk', () => {
    const corrupted = text
      .filter((data) => data.length > 0)
      .chain((data) => fc.tuple(fc.constant(data), fc.nat({ max: data.length - 1 }), fc.integer({ min: 0, max: 255 })))
      .map(([data, at, byte]) => {
        const copy = Buffer.from(data);
        copy[at] = byte;
        return copy;
      })
      .chain((data) => fc.tuple(fc.constant(data), cutsFor(data.length)));
    fc.assert(
      fc.property(corrupted, ([data, cuts]) => {
        expect(isValidUTF8(data)).toBe(isUtf8(data));
        checkChunks(data, cuts);
      }),
      { numRuns: RUNS * 3, seed: FC_SEED + 1 },
    );
  });
});

describe('streaming', () => {
  /** Texts around the JS/WASM threshold and the block sizes, some corrupted. */
  function corpus(random: Random): Uint8Array[] {
    const out: Uint8Array[] = [];
    const samples = ['a', 'é', '漢', '😀', 'aé漢😀', 'κόσμε'];
    for (let i = 0; i < 60; i++) {
      let s = '';
      const target = [10, UTF8_WASM_THRESHOLD - 3, UTF8_WASM_THRESHOLD + 5, 100, 200][i % 5];
      while (Buffer.byteLength(s) < target) s += samples[random.int(samples.length)];
      const data = Buffer.from(s);
      if (i % 3 === 1) data[random.int(data.length)] = random.int(256);
      if (i % 3 === 2) data[random.int(data.length)] = [0x80, 0xc0, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0xff][random.int(8)];
      out.push(data);
      if (i % 10 === 0) out.push(data.subarray(0, data.length - 1)); // truncated
    }
    return out;
  }

  it(`every input split at every position gives the one-shot verdict (seed ${SEED})`, () => {
    const random = new Random(SEED);
    for (const data of corpus(random)) {
      const bad = firstInvalidLength(data);
      for (let cut = 0; cut <= data.length; cut++) checkChunks(data, [cut], bad);
      for (let a = 0; a <= data.length; a += 7) for (let b = a; b <= data.length; b += 5) checkChunks(data, [a, b], bad);
    }
  });

  it(`byte by byte and random multi-way splits, up to 1 MiB (seed ${SEED + 1})`, () => {
    const random = new Random(SEED + 1);
    const samples = ['hello ', 'ñandú ', 'Привет ', '漢字 ', '😀🎉 '];
    for (let round = 0; round < 40; round++) {
      let s = '';
      const target = round < 30 ? 1 + random.int(5000) : 1 + random.int(1 << 20);
      while (s.length < target) s += samples[random.int(samples.length)];
      const data = Buffer.from(s);
      if (round % 2) data[random.int(data.length)] = random.int(256);
      const bad = firstInvalidLength(data);
      const cuts: number[] = [];
      for (let at = 0; at < data.length;) {
        at += random.int(4) === 0 ? random.int(4) : random.int(70_000);
        if (at < data.length) cuts.push(at);
      }
      checkChunks(data, cuts, bad);
      if (data.length < 20_000) checkChunks(data, Array.from({ length: data.length }, (_, i) => i), bad);
    }
  });
});
