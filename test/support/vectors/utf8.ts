// UTF-8 validation, one-shot and streaming: known valid/invalid sequences and
// a seeded differential sample against the runtime's own fatal TextDecoder
// (the WHATWG decoder fails at the same byte: same bounds per lead byte).
import { Random } from '../random.js';
import { type Case, type Codec, type Options, check, checkThrows, hex } from './case.js';

/** [hex, valid] pairs: boundaries of every length class, overlongs, surrogates, > U+10FFFF, truncation, stray continuations. */
const KNOWN: [string, boolean][] = [
  ['', true], ['00', true], ['7f', true], ['c280', true], ['dfbf', true], ['e0a080', true], ['efbfbf', true],
  ['f0908080', true], ['f48fbfbf', true], ['ed9fbf', true], ['ee8080', true], ['cebae1bdb9cf83cebcceb5', true],
  ['80', false], ['bf', false], ['c0af', false], ['c1bf', false], ['e080af', false], ['e09fbf', false],
  ['f08080af', false], ['f08fbfbf', false], ['eda080', false], ['edbfbf', false], ['f4908080', false],
  ['f5808080', false], ['ff', false], ['fe', false], ['c2', false], ['e0a0', false], ['f09080', false],
  ['c241', false], ['e0a041', false], ['f0908041', false], ['6162c3', false],
];

/** Random text: ASCII runs and 2-, 3- and 4-byte characters, sometimes with one byte corrupted. */
export function sample(random: Random, length: number): Uint8Array {
  const out = new Uint8Array(length + 4);
  let n = 0;
  const ascii = random.int(3) === 0;
  while (n < length) {
    const kind = ascii ? (random.int(50) ? 0 : 1 + random.int(3)) : random.int(4);
    if (kind === 0) out[n++] = random.int(0x80);
    else if (kind === 1) n += encode(out, n, 0x80 + random.int(0x780));
    else if (kind === 2) {
      let c = 0x800 + random.int(0xf800);
      if (c >= 0xd800 && c < 0xe000) c -= 0x800;
      n += encode(out, n, c);
    } else n += encode(out, n, 0x10000 + random.int(0x100000));
  }
  const bytes = out.subarray(0, n);
  if (n > 0 && random.int(2)) bytes[random.int(n)] = random.int(256);
  return bytes;
}

function encode(out: Uint8Array, at: number, c: number): number {
  if (c < 0x800) return (out[at] = 0xc0 | (c >> 6)), (out[at + 1] = 0x80 | (c & 63)), 2;
  if (c < 0x10000) return (out[at] = 0xe0 | (c >> 12)), (out[at + 1] = 0x80 | ((c >> 6) & 63)), (out[at + 2] = 0x80 | (c & 63)), 3;
  out[at] = 0xf0 | (c >> 18);
  out[at + 1] = 0x80 | ((c >> 12) & 63);
  out[at + 2] = 0x80 | ((c >> 6) & 63);
  out[at + 3] = 0x80 | (c & 63);
  return 4;
}

function referenceValid(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Streams `bytes` in random chunks through both the codec and a streaming fatal TextDecoder. */
function checkStreaming(codec: Codec, random: Random, bytes: Uint8Array, what: string): void {
  const validator = new codec.Utf8Validator();
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let referenceOk = true;
  for (let at = 0; at < bytes.length || at === 0;) {
    const n = Math.min(bytes.length - at, random.int(3) ? random.int(9) : random.int(70_000));
    const chunk = bytes.subarray(at, at + n);
    if (referenceOk) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        referenceOk = false;
      }
    }
    const ok = validator.push(chunk);
    check(ok === referenceOk, () => `${what}: push of bytes ${at}..${at + n} returned ${ok}, TextDecoder says ${referenceOk}`);
    at += n;
    if (bytes.length === 0) break;
  }
  let referenceEnd = referenceOk;
  if (referenceOk) {
    try {
      decoder.decode();
    } catch {
      referenceEnd = false;
    }
  }
  check(validator.end() === referenceEnd, () => `${what}: end() ${validator.end()}, TextDecoder says ${referenceEnd}`);
}

export function utf8Cases({ seed, scale }: Options): Case[] {
  return [
    {
      name: 'utf8: known valid and invalid sequences, one-shot, streamed byte by byte, after an ASCII run',
      run(codec) {
        const pad = new Uint8Array(200).fill(0x61);
        for (const [text, valid] of KNOWN) {
          const bytes = hex(text);
          check(codec.isValidUTF8(bytes) === valid, () => `isValidUTF8(${text}) should be ${valid}`);
          const long = new Uint8Array(pad.length + bytes.length);
          long.set(pad);
          long.set(bytes, pad.length);
          check(codec.isValidUTF8(long) === valid, () => `isValidUTF8(200 × 'a' + ${text}) should be ${valid}`);
          check(codec.isValidUTF8(long.buffer) === valid, () => `isValidUTF8(ArrayBuffer of ${text}) should be ${valid}`);
          const validator = new codec.Utf8Validator();
          let ok = true;
          for (const byte of bytes) ok = validator.push(new Uint8Array([byte])) && ok;
          check((ok && validator.end()) === valid, () => `Utf8Validator over ${text} byte by byte should say ${valid}`);
        }
      },
    },
    {
      name: `utf8: one-shot differential vs TextDecoder fatal (seed ${seed})`,
      run(codec) {
        const random = new Random(seed + 10);
        for (let i = 0; i < 300 * scale; i++) {
          const bytes = sample(random, random.int(2) ? random.int(300) : random.int(100_000));
          const want = referenceValid(bytes);
          check(codec.isValidUTF8(bytes) === want, () => `isValidUTF8 of ${bytes.length} B sample ${i} should be ${want}`);
        }
      },
    },
    {
      name: `utf8: streaming (random chunks) differential vs streaming TextDecoder fatal (seed ${seed})`,
      run(codec) {
        const random = new Random(seed + 11);
        for (let i = 0; i < 150 * scale; i++) {
          const bytes = sample(random, random.int(2) ? random.int(64) : random.int(150_000));
          checkStreaming(codec, random, bytes, `sample ${i} (${bytes.length} B)`);
        }
      },
    },
    {
      name: 'utf8: isValidUTF8IO validates in the I/O region; bad input throws',
      run(codec) {
        const bytes = new TextEncoder().encode('żółć ✓ 😀'.repeat(100));
        codec.io.set(bytes, 10);
        check(codec.isValidUTF8IO(10, bytes.length), () => 'isValidUTF8IO on valid text');
        check(!codec.isValidUTF8IO(11, bytes.length - 1), () => 'isValidUTF8IO starting mid-character');
        checkThrows(() => codec.isValidUTF8IO(codec.IO_SIZE - 1, 2), RangeError, 'isValidUTF8IO past the region');
        checkThrows(() => codec.isValidUTF8('abc' as unknown as Uint8Array), TypeError, 'isValidUTF8 of a string');
      },
    },
  ];
}
