/**
 * The decoder's limit on fragments (maxFragments, scaled by the bytes a message
 * carries) and its assembly of messages that span inputs or fragments in
 * blocks joined once.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder, type FrameError } from '../../src/codec/index.js';
import { Random } from '../support/random.js';
import { ws, wsFrame } from '../support/ws.js';

/** What a decoder reports for `chunks`. */
function decode(chunks: Iterable<Uint8Array>, options: { maxFragments?: number; role?: 'server' | 'client' } = {}) {
  const messages: Uint8Array[] = [];
  const errors: FrameError[] = [];
  const decoder = new FrameDecoder({
    role: options.role ?? 'server',
    maxFragments: options.maxFragments,
    onMessage: (data) => messages.push(data),
    onError: (error) => errors.push(error),
  });
  let pushed = 0;
  for (const chunk of chunks) {
    if (decoder.stopped) break;
    decoder.push(chunk);
    pushed += chunk.length;
  }
  return { messages, errors, decoder, pushed };
}

/** A message of `payload` cut into frames of `size` bytes (the last one shorter), then `empty` empty frames before the final one. */
function fragmented(payload: Uint8Array, size: number, { empty = 0, masked = true, opcode = 2 } = {}): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at < payload.length || at === 0; at += size) {
    frames.push(wsFrame(payload.subarray(at, at + size), at === 0 ? opcode : 0, false, masked));
    if (payload.length === 0) break;
  }
  for (let i = 0; i < empty; i++) frames.push(wsFrame(new Uint8Array(0), 0, false, masked));
  frames.push(wsFrame(new Uint8Array(0), 0, true, masked));
  return Buffer.concat(frames);
}

/** Splits `stream` into 64 KiB chunks, like socket reads. */
function* reads(stream: Uint8Array, size = 65536): Generator<Uint8Array> {
  for (let at = 0; at < stream.length; at += size) yield stream.subarray(at, at + size);
}

describe('maxFragments', () => {
  it('an endless stream of empty fragments is failed with 1008 after 16,384 (the default), having read only those', () => {
    const frame = wsFrame(new Uint8Array(0), 0, false, true);
    // An endless stream, produced lazily: 64 KiB reads of empty continuation frames after a first frame.
    function* endless(): Generator<Uint8Array> {
      yield wsFrame(new Uint8Array(0), 1, false, true);
      const read = Buffer.concat(Array.from({ length: Math.floor(65536 / frame.length) }, () => frame));
      for (;;) yield read;
    }
    const { messages, errors, decoder, pushed } = decode(endless());
    expect(messages).toHaveLength(0);
    expect(errors.map((e) => [e.closeCode, e.code])).toEqual([[1008, 'WS_ERR_TOO_MANY_BUFFERED_PARTS']]);
    expect(decoder.stopped).toBe(true);
    expect(pushed).toBeLessThan(16_385 * frame.length + 2 * 65536); // stopped in the read holding fragment 16,385
  });

  it('the boundary is exact: as many empty fragments as ws accepts pass, one more fails, as in ws (same code)', () => {
    for (const maxFragments of [1, 2, 100, 16_384]) {
      for (const extra of [0, 1]) {
        // maxFragments frames in all (first + empties + final) pass; one more fails.
        const stream = fragmented(new Uint8Array(0), 1, { empty: maxFragments - 2 + extra });
        const framesSent = maxFragments + extra;
        const ours = decode(reads(stream, 997), { maxFragments: maxFragments === 16_384 ? undefined : maxFragments });
        const receiver = new ws.Receiver({ isServer: true, maxFragments });
        const wsErrors: { code: string }[] = [];
        let wsMessages = 0;
        receiver.on('message', () => wsMessages++);
        receiver._write(Buffer.from(stream), 'buffer', (error?: { code: string }) => error && wsErrors.push(error));
        if (maxFragments === 1 && extra === 0) continue; // fragmented() always sends 2 frames
        expect([ours.messages.length, ours.errors.map((e) => e.code)], `${framesSent} frames, limit ${maxFragments}`)
          .toEqual([wsMessages, wsErrors.map((e) => e.code)]);
        expect(ours.messages.length).toBe(extra === 0 ? 1 : 0);
      }
    }
  });

  it('scales with the bytes received: one more fragment per 16 payload bytes', () => {
    const payload = new Random(7).bytes(64 * 16);
    // 16-byte fragments: 64 of them, plus the empty final frame; the limit of 2 never bites.
    expect(decode([fragmented(payload, 16)], { maxFragments: 2 }).messages).toHaveLength(1);
    // 8-byte fragments: fragment k has 8(k-1) bytes before it, so it may be at most 2 + (k-1)/2: k = 3 passes, 4 fails.
    const small = decode([fragmented(payload, 8)], { maxFragments: 2 });
    expect(small.messages).toHaveLength(0);
    expect(small.errors[0].closeCode).toBe(1008);
    expect(decode([fragmented(payload.subarray(0, 16), 8)], { maxFragments: 2 }).messages).toHaveLength(1);
  });

  it('Autobahn 9.3/9.4 shapes pass at the default: 4 MiB in 64-byte and 256-byte fragments (ws 8.23 refuses them)', () => {
    const payload = new Random(9).bytes(4 << 20);
    for (const size of [64, 256]) {
      for (const opcode of [1, 2]) {
        const data = opcode === 1 ? payload.map((b) => 0x20 + (b % 95)) : payload;
        const { messages, errors } = decode(reads(fragmented(data, size, { opcode })));
        expect(errors).toHaveLength(0);
        expect(messages).toHaveLength(1);
        expect(Buffer.compare(messages[0], data)).toBe(0);
      }
    }
  });

  it('0 means no limit; bad values throw', () => {
    expect(decode([fragmented(new Uint8Array(0), 1, { empty: 40_000 })], { maxFragments: 0 }).messages).toHaveLength(1);
    for (const bad of [-1, 1.5, Number.NaN, Infinity]) {
      expect(() => new FrameDecoder({ role: 'server', maxFragments: bad, onMessage() {} })).toThrow(RangeError);
    }
  });
});

describe('assembly in blocks', () => {
  it('messages around the 1 MiB block size, in one frame or many, in reads of any size, arrive intact', () => {
    const random = new Random(11);
    for (const size of [(1 << 20) - 1, 1 << 20, (1 << 20) + 1, (3 << 20) + 5]) {
      const payload = random.bytes(size);
      for (const [frameSize, readSize] of [[size, 65536], [size, 1000 + random.int(5000)], [1 + random.int(200_000), 65536], [100_003, 7919]]) {
        for (const role of ['server', 'client'] as const) {
          const stream = frameSize >= size ? wsFrame(payload, 2, true, role === 'server') : fragmented(payload, frameSize, { masked: role === 'server' });
          const { messages, errors } = decode(reads(stream, readSize), { role });
          expect(errors).toHaveLength(0);
          expect(messages.length).toBe(1);
          expect(messages[0].length).toBe(size);
          expect(Buffer.compare(messages[0], payload), `${size} B in ${frameSize} B frames, ${readSize} B reads`).toBe(0);
        }
      }
    }
  });
});
