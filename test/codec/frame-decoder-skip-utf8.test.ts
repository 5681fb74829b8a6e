// skipUTF8Validation (ws's option): text is only unmasked, never rejected for its
// bytes, on the WASM kernels and on their pure-JS twins alike; without it the
// same input fails with 1007.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { FrameDecoder } from '../../src/codec/frame-decoder.js';
import { fallbackKernels } from '../../src/codec/fallback/index.js';
import { frameCore } from '../../src/codec/frame-core.js';
import { frame } from '../server/fuzzer.js';

/** Bytes that are not UTF-8 anywhere: a lone continuation byte every 7 bytes, a truncated sequence at the end. */
function invalidText(length: number): Buffer {
  const out = Buffer.alloc(length, 0x61);
  for (let i = 0; i < length; i += 7) out[i] = 0x80 + (i % 64);
  if (length > 0) out[length - 1] = 0xe2;
  return out;
}

function decode(core: ReturnType<typeof frameCore> | undefined, skip: boolean, input: Buffer, chunk: number) {
  const messages: [Buffer, boolean][] = [];
  const closes: [number, string][] = [];
  const errors: number[] = [];
  const decoder = new FrameDecoder({
    role: 'server',
    core,
    skipUTF8Validation: skip,
    onMessage: (data, isBinary) => messages.push([Buffer.from(data), isBinary]),
    onClose: (code, reason) => closes.push([code, reason]),
    onError: (error) => errors.push(error.closeCode),
  });
  for (let at = 0; at < input.length; at += chunk) decoder.push(input.subarray(at, at + chunk));
  return { messages, closes, errors };
}

const cores = { wasm: undefined, 'js twins': frameCore(fallbackKernels) };

describe.each(Object.entries(cores))('skipUTF8Validation on the %s kernels', (_name, core) => {
  test('invalid text of every size, whole or fragmented, any chunking, arrives byte for byte', () => {
    for (const length of [1, 15, 16, 17, 127, 128, 129, 1000, 70_000]) {
      const text = invalidText(length);
      const half = length >> 1;
      const input = Buffer.concat([
        frame(1, text),
        frame(1, text.subarray(0, half), { fin: false }),
        frame(9, 'ping between fragments'),
        frame(0, text.subarray(half)),
      ]);
      for (const chunk of [1 + (length % 13), 4096, input.length]) {
        const skipped = decode(core, true, input, chunk);
        expect(skipped.errors).toEqual([]);
        expect(skipped.messages.map(([data, isBinary]) => [data.equals(text), isBinary])).toEqual([[true, false], [true, false]]);
        expect(decode(core, false, input, chunk).errors).toEqual([1007]);
      }
    }
  });

  test('random bytes as text: delivered unchanged; a bad close reason is decoded with replacements', () => {
    for (let i = 0; i < 50; i++) {
      const text = randomBytes(1 + i * 37);
      const { messages, errors } = decode(core, true, frame(1, text), 1 + i);
      expect(errors).toEqual([]);
      expect(messages[0][0].equals(text)).toBe(true);
    }
    const close = frame(8, Buffer.from([0x03, 0xe8, 0xff, 0x61]));
    expect(decode(core, true, close, 3).closes).toEqual([[1000, '\ufffda']]);
    expect(decode(core, false, close, 3).errors).toEqual([1007]);
  });
});
