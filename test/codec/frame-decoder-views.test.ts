/**
 * FrameDecoderOptions.viewType: every payload the decoder delivers (whole
 * frames, pieces assembled across inputs, fragmented and inflated messages,
 * control frames, in owned and transient mode) is an instance of the class,
 * with the same bytes as the default Uint8Arrays; without it, plain Uint8Arrays.
 */
import { describe, expect, test } from 'vitest';
import { FrameDecoder, FrameEncoder } from '../../src/codec/index.js';
import { acceptOffer, resolveDeflateOptions } from '../../src/codec/deflate/negotiate.js';
import { zlibDeflate } from '../../src/codec/deflate/zlib.js';

class Marked extends Uint8Array {}

const stream = new FrameEncoder({ role: 'client' })
  .text('héllo').binary(new Uint8Array(300).fill(7)).ping('ping').pong().text('x'.repeat(70_000))
  .text('frag', false).continuation('men', false).continuation('ted').binary(new Uint8Array(0))
  .flush();

function decode(chunks: Uint8Array[], options: { viewType?: typeof Marked; transient?: boolean; deflate?: ReturnType<typeof zlibDeflate> }) {
  const got: { kind: string; ok: boolean; hex: string }[] = [];
  const record = (kind: string) => (data: Uint8Array) =>
    got.push({ kind, ok: options.viewType ? data instanceof options.viewType : data.constructor === Uint8Array, hex: Buffer.from(data).toString('hex') });
  const decoder = new FrameDecoder({ role: 'server', maxPayload: 0, ...options, onMessage: record('message'), onPing: record('ping'), onPong: record('pong') });
  for (const chunk of chunks) decoder.push(chunk);
  expect(decoder.error).toBe(null);
  return got;
}

const whole = [stream];
const bytewise = Array.from(stream, (_, i) => stream.subarray(i, i + 1));
const halves = [stream.subarray(0, 1000), stream.subarray(1000)];

describe('viewType', () => {
  for (const [name, chunks] of [['one chunk', whole], ['one byte at a time', bytewise], ['two chunks', halves]] as const) {
    for (const transient of [false, true]) {
      test(`${name}${transient ? ', transient' : ''}: every payload is a view of the class, with the default's bytes`, () => {
        const plain = decode([...chunks], { transient });
        const marked = decode([...chunks], { transient, viewType: Marked });
        expect(plain).toHaveLength(7);
        expect(plain.every((e) => e.ok)).toBe(true);
        expect(marked.every((e) => e.ok)).toBe(true);
        expect(marked.map((e) => [e.kind, e.hex])).toEqual(plain.map((e) => [e.kind, e.hex]));
      });
    }
  }

  test('inflated messages are views of the class too', () => {
    const options = resolveDeflateOptions({ threshold: 0 })!;
    const { params } = acceptOffer('permessage-deflate', options)!;
    const [client, server] = [zlibDeflate(params, 'client', options), zlibDeflate(params, 'server', options)];
    const frames = new FrameEncoder({ role: 'client', deflate: client }).compressed('compressed text').compressed(new Uint8Array(5000).fill(3)).flush();
    const got = decode([frames], { viewType: Marked, deflate: server });
    expect(got).toEqual([
      { kind: 'message', ok: true, hex: Buffer.from('compressed text').toString('hex') },
      { kind: 'message', ok: true, hex: Buffer.alloc(5000, 3).toString('hex') },
    ]);
  });
});
