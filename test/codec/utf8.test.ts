import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { IO_SIZE, UTF8_WASM_THRESHOLD, Utf8Validator, io, isValidUTF8, isValidUTF8IO } from '../../src/codec/index.js';
import { IO_PTR, kernels } from '../../src/codec/wasm.js';
import { utf8Kernels } from '../../src/codec/fallback/utf8.js';
import { UTF8_INVALID } from '../../src/codec/layout.js';
import { referenceMask } from '../support/reference.js';
import { Random } from '../support/random.js';
import { firstInvalidLength } from '../support/utf8.js';

const SEED = 0x5eed_0302;
const hex = (text: string): Uint8Array => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const memory = new Uint8Array(kernels.memory.buffer);
const twin = utf8Kernels(memory);

/** Markus Kuhn's UTF-8 decoder capability and stress test, judged by RFC 3629. */
const KUHN: [string, string, boolean][] = [
  ['1 κόσμε', 'ceba e1bdb9 cf83 cebc ceb5', true],
  ['2.1.1 U+0000', '00', true],
  ['2.1.2 U+0080', 'c280', true],
  ['2.1.3 U+0800', 'e0a080', true],
  ['2.1.4 U+10000', 'f0908080', true],
  ['2.1.5 5-byte U+200000', 'f888808080', false],
  ['2.1.6 6-byte U+4000000', 'fc8480808080', false],
  ['2.2.1 U+007F', '7f', true],
  ['2.2.2 U+07FF', 'dfbf', true],
  ['2.2.3 U+FFFF', 'efbfbf', true],
  ['2.2.4 U+1FFFFF', 'f7bfbfbf', false],
  ['2.2.5 U+3FFFFFF', 'fbbfbfbfbf', false],
  ['2.2.6 U+7FFFFFFF', 'fdbfbfbfbfbf', false],
  ['2.3.1 U+D7FF', 'ed9fbf', true],
  ['2.3.2 U+E000', 'ee8080', true],
  ['2.3.3 U+FFFD', 'efbfbd', true],
  ['2.3.4 U+10FFFF', 'f48fbfbf', true],
  ['2.3.5 U+110000', 'f4908080', false],
  ['3.1.1 first continuation byte', '80', false],
  ['3.1.2 last continuation byte', 'bf', false],
  ['3.1.3 2 continuation bytes', '80bf', false],
  ['3.1.4 3 continuation bytes', '80bf80', false],
  ['3.1.5 4 continuation bytes', '80bf80bf', false],
  ['3.1.6 5 continuation bytes', '80bf80bf80', false],
  ['3.1.7 6 continuation bytes', '80bf80bf80bf', false],
  ['3.1.8 7 continuation bytes', '80bf80bf80bf80', false],
  ['3.1.9 all 64 continuation bytes', Array.from({ length: 64 }, (_, i) => (0x80 + i).toString(16)).join(''), false],
  ...Array.from({ length: 32 }, (_, i): [string, string, boolean] => [`3.2.1 lonely ${(0xc0 + i).toString(16)} + space`, `${(0xc0 + i).toString(16)}20`, false]),
  ...Array.from({ length: 16 }, (_, i): [string, string, boolean] => [`3.2.2 lonely ${(0xe0 + i).toString(16)} + space`, `${(0xe0 + i).toString(16)}20`, false]),
  ...Array.from({ length: 8 }, (_, i): [string, string, boolean] => [`3.2.3 lonely ${(0xf0 + i).toString(16)} + space`, `${(0xf0 + i).toString(16)}20`, false]),
  ...Array.from({ length: 4 }, (_, i): [string, string, boolean] => [`3.2.4 lonely ${(0xf8 + i).toString(16)} + space`, `${(0xf8 + i).toString(16)}20`, false]),
  ['3.2.5 lonely fc + space', 'fc20', false],
  ['3.2.5 lonely fd + space', 'fd20', false],
  ['3.3.1 2-byte, last missing (U+0000)', 'c0', false],
  ['3.3.2 3-byte, last missing (U+0000)', 'e080', false],
  ['3.3.3 4-byte, last missing (U+0000)', 'f08080', false],
  ['3.3.4 5-byte, last missing', 'f8808080', false],
  ['3.3.5 6-byte, last missing', 'fc80808080', false],
  ['3.3.6 2-byte, last missing (U+07FF)', 'df', false],
  ['3.3.7 3-byte, last missing (U+FFFF)', 'efbf', false],
  ['3.3.8 4-byte, last missing (U+1FFFFF)', 'f7bfbf', false],
  ['3.3.9 5-byte, last missing', 'fbbfbfbf', false],
  ['3.3.10 6-byte, last missing', 'fdbfbfbfbf', false],
  ['3.3 valid 2-byte lead, last missing', 'c2', false],
  ['3.3 valid 3-byte lead, last missing', 'e0a0', false],
  ['3.3 valid 4-byte lead, last missing', 'f09080', false],
  ['3.4 concatenation of 3.3', 'c0 e080 f08080 f8808080 fc80808080 df efbf f7bfbf fbbfbfbf fdbfbfbfbf', false],
  ['3.5.1 fe', 'fe', false],
  ['3.5.2 ff', 'ff', false],
  ['3.5.3 fe fe ff ff', 'fefeffff', false],
  ['4.1.1 overlong / 2-byte', 'c0af', false],
  ['4.1.2 overlong / 3-byte', 'e080af', false],
  ['4.1.3 overlong / 4-byte', 'f08080af', false],
  ['4.1.4 overlong / 5-byte', 'f8808080af', false],
  ['4.1.5 overlong / 6-byte', 'fc80808080af', false],
  ['4.2.1 max overlong 2-byte', 'c1bf', false],
  ['4.2.2 max overlong 3-byte', 'e09fbf', false],
  ['4.2.3 max overlong 4-byte', 'f08fbfbf', false],
  ['4.2.4 max overlong 5-byte', 'f887bfbfbf', false],
  ['4.2.5 max overlong 6-byte', 'fc83bfbfbfbf', false],
  ['4.3.1 overlong NUL 2-byte', 'c080', false],
  ['4.3.2 overlong NUL 3-byte', 'e08080', false],
  ['4.3.3 overlong NUL 4-byte', 'f0808080', false],
  ['4.3.4 overlong NUL 5-byte', 'f880808080', false],
  ['4.3.5 overlong NUL 6-byte', 'fc8080808080', false],
  ['5.1.1 U+D800', 'eda080', false],
  ['5.1.2 U+DB7F', 'edadbf', false],
  ['5.1.3 U+DB80', 'edae80', false],
  ['5.1.4 U+DBFF', 'edafbf', false],
  ['5.1.5 U+DC00', 'edb080', false],
  ['5.1.6 U+DF80', 'edbe80', false],
  ['5.1.7 U+DFFF', 'edbfbf', false],
  ['5.2.1 U+D800 U+DC00', 'eda080 edb080', false],
  ['5.2.2 U+D800 U+DFFF', 'eda080 edbfbf', false],
  ['5.2.3 U+DB7F U+DC00', 'edadbf edb080', false],
  ['5.2.4 U+DB7F U+DFFF', 'edadbf edbfbf', false],
  ['5.2.5 U+DB80 U+DC00', 'edae80 edb080', false],
  ['5.2.6 U+DB80 U+DFFF', 'edae80 edbfbf', false],
  ['5.2.7 U+DBFF U+DC00', 'edafbf edb080', false],
  ['5.2.8 U+DBFF U+DFFF', 'edafbf edbfbf', false],
  ['5.3.1 U+FFFE (noncharacters are valid UTF-8)', 'efbfbe', true],
  ['5.3.2 U+FFFF', 'efbfbf', true],
  ['5.3.3 U+FDD0', 'efb790', true],
  ['5.3.4 U+FDEF', 'efb7af', true],
  ['5.3.5 U+1FFFE', 'f09fbfbe', true],
  ['5.3.5 U+10FFFE', 'f48fbfbe', true],
  // RFC 3629 §4 first-continuation ranges, each edge from both sides.
  ['E0 A0 (first non-overlong)', 'e0a080', true],
  ['E0 9F (last overlong)', 'e09f80', false],
  ['ED 9F (last before surrogates)', 'ed9f80', true],
  ['ED A0 (first surrogate)', 'eda080', false],
  ['F0 90 (first non-overlong)', 'f0908080', true],
  ['F0 8F (last overlong)', 'f08f8080', false],
  ['F4 8F (last ≤ U+10FFFF)', 'f48f8080', true],
  ['F4 90 (first > U+10FFFF)', 'f4908080', false],
  ['F5 lead', 'f5808080', false],
  ['C2 lead', 'c2bf', true],
  ['C1 lead', 'c1bf', false],
  ['continuation below 80', 'c27f', false],
  ['continuation above BF', 'c2c0', false],
];

/** Validates with the kernel and with the JS twin, both one-shot and in I/O memory at `at`. */
function both(bytes: Uint8Array, at = 0): [boolean, boolean] {
  io.set(bytes, at);
  return [kernels.validateUtf8(IO_PTR + at, bytes.length, 0) === 0, twin.validateUtf8(IO_PTR + at, bytes.length, 0) === 0];
}

describe('Markus Kuhn stress test and RFC 3629 boundaries', () => {
  for (const [name, bytes, expected] of KUHN) {
    it(`${name}: ${expected ? 'valid' : 'invalid'}`, () => {
      const data = hex(bytes);
      expect(isUtf8(data)).toBe(expected); // the expectation itself agrees with Node
      expect(isValidUTF8(data)).toBe(expected);
      expect(both(data)).toEqual([expected, expected]);
      // Embedded in ASCII at every offset around the block edges, and repeated past the JS threshold.
      for (let before = 0; before < 80; before++) {
        const padded = new Uint8Array(before + data.length + 70).fill(0x20);
        padded.set(data, before);
        expect(isValidUTF8(padded)).toBe(expected);
        expect(isValidUTF8(padded.subarray(0, before + data.length))).toBe(expected);
      }
      const repeated = new Uint8Array(data.length * 50);
      for (let i = 0; i < 50; i++) repeated.set(data, i * data.length);
      expect(isValidUTF8(repeated)).toBe(isUtf8(repeated));
    });
  }

  it('fails fast at the first byte that cannot continue (Autobahn 6.4.x)', () => {
    // [bytes, length of the shortest prefix that cannot start valid UTF-8]
    const cases: [string, number][] = [
      ['ceba e1bdb9 cf83 cebc ceb5 f4 90 80 80 656469746564', 13], // 6.4.1: the 90 after F4
      ['ceba e1bdb9 cf83 cebc ceb5 ed a0 80 656469746564', 13], // surrogate: the A0 after ED
      ['ceba e1bdb9 cf83 cebc ceb5 f4908080', 13],
      ['ceba e1bdb9 cf83 cebc ceb5 c0', 12], // C0 is never valid
      ['e0 80', 2],
      ['f0 8f', 2],
      ['c2 41', 2],
      ['41 80', 2],
    ];
    for (const [text, length] of cases) {
      const data = hex(text);
      expect(firstInvalidLength(data)).toBe(length);
      const validator = new Utf8Validator();
      let failedAt = -1;
      for (let i = 0; i < data.length && failedAt < 0; i++) {
        if (!validator.push(data.subarray(i, i + 1))) failedAt = i + 1;
      }
      expect(failedAt).toBe(length);
      expect(validator.push(new Uint8Array([0x41]))).toBe(false); // sticky
      expect(validator.end()).toBe(false);
    }
  });
});

describe('WASM kernel vs the JS twin (random bytes, random chunking)', () => {
  it(`states agree after every chunk (seed ${SEED})`, () => {
    const random = new Random(SEED);
    const alphabet = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5];
    const encoder = new TextEncoder();
    for (let round = 0; round < 3000; round++) {
      // Mostly valid text with rare faults, so the kernel runs far before failing.
      let text = '';
      const chars = random.int(round < 2000 ? 300 : 6000);
      for (let i = 0; i < chars; i++) {
        const r = random.int(10);
        text += String.fromCodePoint(r < 5 ? 0x20 + random.int(95) : r < 7 ? 0x80 + random.int(0x780) : r < 9 ? 0x800 + random.int(0xd000) : 0x10000 + random.int(0x100000));
      }
      const data = encoder.encode(text);
      const faults = random.int(3);
      for (let f = 0; f < faults && data.length > 0; f++) {
        data[random.int(data.length)] = random.int(2) ? alphabet[random.int(alphabet.length)] : random.int(256);
      }
      let stateWasm = 0;
      let stateTwin = 0;
      let at = 0;
      io.fill(0);
      while (at < data.length) {
        const n = Math.min(data.length - at, 1 + random.int(random.int(2) ? 20 : 3000), IO_SIZE);
        io.set(data.subarray(at, at + n));
        stateWasm = kernels.validateUtf8(IO_PTR, n, stateWasm);
        stateTwin = twin.validateUtf8(IO_PTR, n, stateTwin);
        expect(stateWasm).toBe(stateTwin);
        at += n;
      }
      expect(stateWasm === 0).toBe(isUtf8(data));
    }
  });
});

describe('fused unmask + validate', () => {
  it(`equals mask() then validateUtf8, in pieces with running phase (seed ${SEED + 1})`, () => {
    const random = new Random(SEED + 1);
    const encoder = new TextEncoder();
    for (let round = 0; round < 1500; round++) {
      let text = '';
      const chars = random.int(round < 1000 ? 200 : 8000);
      for (let i = 0; i < chars; i++) text += String.fromCodePoint(random.int(3) ? 0x20 + random.int(95) : 0x80 + random.int(0x10000 - 0x80 - 0x800));
      const plain = encoder.encode(text.replace(/[\ud800-\udfff]/g, 'x'));
      if (random.int(2) && plain.length > 0) plain[random.int(plain.length)] = random.int(256);
      const key = random.bytes(4);
      const keyWord = key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24);
      const masked = new Uint8Array(plain.length);
      referenceMask(plain, key, masked, 0, plain.length);
      let stateFused = 0;
      let stateTwin = 0;
      let stateSeparate = 0;
      for (let at = 0; at < plain.length;) {
        const n = Math.min(plain.length - at, 1 + random.int(random.int(2) ? 40 : 5000));
        const offset = random.int(16); // any alignment in the I/O region
        // Fused kernel.
        io.set(masked.subarray(at, at + n), offset);
        stateFused = kernels.unmaskValidateUtf8(IO_PTR + offset, n, keyWord, at & 3, stateFused);
        expect(Buffer.compare(io.subarray(offset, offset + n), plain.subarray(at, at + n))).toBe(0);
        // Its JS twin.
        io.set(masked.subarray(at, at + n), offset);
        stateTwin = twin.unmaskValidateUtf8(IO_PTR + offset, n, keyWord, at & 3, stateTwin);
        expect(Buffer.compare(io.subarray(offset, offset + n), plain.subarray(at, at + n))).toBe(0);
        // mask() then validateUtf8.
        io.set(masked.subarray(at, at + n), offset);
        kernels.mask(IO_PTR + offset, IO_PTR + offset, n, keyWord, at & 3);
        stateSeparate = kernels.validateUtf8(IO_PTR + offset, n, stateSeparate);
        expect(stateFused).toBe(stateSeparate);
        expect(stateTwin).toBe(stateSeparate);
        at += n;
      }
      expect(stateFused === 0).toBe(isUtf8(plain));
    }
  });

  it('unmasks every byte even when the text is already invalid', () => {
    const random = new Random(SEED + 2);
    const plain = random.bytes(1000);
    const key = random.bytes(4);
    const keyWord = key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24);
    const masked = new Uint8Array(plain.length);
    referenceMask(plain, key, masked, 0, plain.length, 3);
    for (const state of [0, UTF8_INVALID, 0xffffffff]) {
      io.set(masked, 5);
      expect(kernels.unmaskValidateUtf8(IO_PTR + 5, plain.length, keyWord, 3, state)).toBe(UTF8_INVALID);
      expect(Buffer.compare(io.subarray(5, 5 + plain.length), plain)).toBe(0);
    }
  });
});

describe('API', () => {
  it('accepts Buffer, Uint8Array views and ArrayBuffer; large inputs go through the I/O region in blocks', () => {
    const text = 'aé漢😀'.repeat(40_000); // 400 KB: many blocks, characters across block edges
    const buffer = Buffer.from(text);
    expect(isValidUTF8(buffer)).toBe(true);
    expect(isValidUTF8(new Uint8Array(buffer).buffer)).toBe(true);
    expect(isValidUTF8(buffer.subarray(2))).toBe(false); // starts with a continuation byte
    expect(isValidUTF8(buffer.subarray(0, buffer.length - 1))).toBe(false); // truncated at the end
    for (let cut = 0; cut < 10; cut++) {
      const at = 16384 * (cut + 1) + cut; // around COPY_BLOCK edges
      const broken = Buffer.from(buffer);
      broken[at] = 0xff;
      expect(isValidUTF8(broken)).toBe(false);
    }
    expect(isValidUTF8(new Uint8Array(0))).toBe(true);
    expect(isValidUTF8(new ArrayBuffer(0))).toBe(true);
    expect(isValidUTF8(Buffer.alloc(UTF8_WASM_THRESHOLD - 1, 0x61))).toBe(true);
    expect(isValidUTF8(Buffer.alloc(UTF8_WASM_THRESHOLD, 0x61))).toBe(true);
    expect(isValidUTF8(Buffer.alloc(16 << 20, 0x61))).toBe(true);
  });

  it('throws TypeError for anything that is not bytes', () => {
    for (const bad of ['abc', 42, null, undefined, {}, [0x61], new Uint16Array(4), new DataView(new ArrayBuffer(4))]) {
      expect(() => isValidUTF8(bad as Uint8Array)).toThrow(TypeError);
      expect(() => new Utf8Validator().push(bad as Uint8Array)).toThrow(TypeError);
    }
  });

  it('Utf8Validator: end() wants a complete text; reset() starts over', () => {
    const validator = new Utf8Validator();
    expect(validator.end()).toBe(true);
    expect(validator.push(hex('e2'))).toBe(true);
    expect(validator.push(hex('82'))).toBe(true);
    expect(validator.end()).toBe(false);
    expect(validator.push(hex('ac'))).toBe(true);
    expect(validator.end()).toBe(true);
    expect(validator.push(hex('ff'))).toBe(false);
    expect(validator.push(hex('41'))).toBe(false);
    validator.reset();
    expect(validator.push(new ArrayBuffer(3))).toBe(true);
    expect(validator.end()).toBe(true);
  });

  it('isValidUTF8IO validates data already in the I/O region', () => {
    const data = Buffer.from('κόσμε'.repeat(1000));
    io.set(data, 7);
    expect(isValidUTF8IO(7, data.length)).toBe(true);
    expect(isValidUTF8IO(8, data.length - 1)).toBe(false);
    expect(isValidUTF8IO(7, data.length - 1)).toBe(false);
    expect(() => isValidUTF8IO(IO_SIZE - 1, 2)).toThrow(RangeError);
    expect(() => isValidUTF8IO(-1, 2)).toThrow(RangeError);
    expect(() => isValidUTF8IO('0' as unknown as number, 2)).toThrow(TypeError);
  });
});
