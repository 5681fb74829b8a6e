/**
 * The codec with permessage-deflate agreed: FrameEncoder.compressed() into
 * FrameDecoder, random messages, fragment sizes and chunkings, both modes and
 * both roles; then RSV1 misuse (1002), bad DEFLATE data and compressed invalid
 * UTF-8 (1007), zip bombs (1009), and ordering around a failure; on every
 * engine (node:zlib and pako).
 */
import zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder, FrameEncoder } from '../../src/codec/index.js';
import { acceptOffer, resolveDeflateOptions, type DeflateMode } from '../../src/codec/deflate/negotiate.js';
import { messageDeflate } from '../../src/codec/deflate/message.js';
import type { DeflateEngine, MessageDeflate } from '../../src/codec/deflate/types.js';
import { ENGINES } from '../support/deflate-engines.js';
import { chunking, split } from '../support/streams.js';

/** Both ends of one agreement: [client side, server side]. */
function pair(engine: DeflateEngine, mode: DeflateMode, offer = 'permessage-deflate; client_max_window_bits'): [MessageDeflate, MessageDeflate] {
  const options = resolveDeflateOptions({ mode, threshold: 0 })!;
  const { params } = acceptOffer(offer, options)!;
  return [messageDeflate(engine, params, 'client', options), messageDeflate(engine, params, 'server', options)];
}

type Got = ['message', string, boolean] | ['ping', string] | ['error', number, string] | ['close', number];

function decode(chunks: Uint8Array[], role: 'server' | 'client', deflate: MessageDeflate | undefined, maxPayload = 0): Got[] {
  const got: Got[] = [];
  const decoder = new FrameDecoder({
    role,
    deflate,
    maxPayload,
    onMessage: (data, isBinary) => got.push(['message', Buffer.from(data).toString(isBinary ? 'hex' : 'utf8'), isBinary]),
    onPing: (data) => got.push(['ping', Buffer.from(data).toString()]),
    onClose: (code) => got.push(['close', code]),
    onError: (error) => got.push(['error', error.closeCode, error.code]),
  });
  for (const chunk of chunks) decoder.push(chunk);
  return got;
}

const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 0, max: 200_000 }).map((n) => '{"k":"v","n":12345},'.repeat(Math.ceil(n / 20)).slice(0, n)));
const item = fc.record({
  data: fc.oneof(text, fc.uint8Array({ maxLength: 3000 })),
  compress: fc.boolean(),
  fragmentSize: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
  ping: fc.boolean(),
});

describe.each(ENGINES)('compressed messages through the codec on $name', (engine) => {
  test('random messages, fragments and chunkings, both modes, both roles', () => {
    fc.assert(fc.property(fc.constantFrom<DeflateMode>('shared', 'dedicated'), fc.boolean(), fc.array(item, { maxLength: 8 }), chunking, (mode, fromClient, items, how) => {
      const [client, server] = pair(engine, mode);
      const [sender, receiver] = fromClient ? [client, server] : [server, client];
      const encoder = new FrameEncoder({ role: fromClient ? 'client' : 'server', deflate: sender });
      const expected: Got[] = [];
      for (const { data, compress, fragmentSize, ping } of items) {
        const binary = typeof data !== 'string';
        if (compress) encoder.compressed(data, { fragmentSize });
        else if (binary) encoder.binary(data);
        else encoder.text(data);
        expected.push(['message', binary ? Buffer.from(data).toString('hex') : Buffer.from(data).toString(), binary]);
        if (ping) {
          encoder.ping('p');
          expected.push(['ping', 'p']);
        }
      }
      const stream = encoder.flush();
      expect(decode(split(stream, how), fromClient ? 'server' : 'client', receiver)).toEqual(expected);
      client.close();
      server.close();
    }), { numRuns: 300 });
  });

  test('a message inflated by ws comes out the same (our compressed frames are what ws expects)', async () => {
    const [, server] = pair(engine, 'dedicated');
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const PerMessageDeflate = require('../../node_modules/ws/lib/permessage-deflate.js') as any;
    const ws = new PerMessageDeflate({ isServer: false });
    ws.accept([{}]);
    const encoder = new FrameEncoder({ role: 'server', deflate: server });
    const data = 'hello '.repeat(1000);
    const frame = encoder.compressed(data).flush();
    expect(frame[0]).toBe(0xc1); // FIN, RSV1, text
    const payload = frame.subarray(frame[1] === 126 ? 4 : 2);
    const inflated = await new Promise<Buffer>((resolve, reject) => ws.decompress(Buffer.from(payload), true, (e: Error | null, d: Buffer) => (e ? reject(e) : resolve(d))));
    expect(inflated.toString()).toBe(data);
  });
});

/** A client frame (masked with a zero key, which leaves the payload as it is). */
function frame(first: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = bytes.length;
  const header = n < 126 ? [first, 0x80 | n] : n < 65536 ? [first, 0x80 | 126, n >> 8, n & 0xff] : [first, 0x80 | 127, 0, 0, 0, 0, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(header), Buffer.alloc(4), bytes]);
}
const deflated = (data: Uint8Array | string): Uint8Array => zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);

describe.each(ENGINES)('violations on $name', (engine) => {
  const server = (): MessageDeflate => pair(engine, 'shared')[1];

  test('RSV1 without the extension, on a continuation, on a control frame: 1002', () => {
    expect(decode([frame(0xc1, deflated('x'))], 'server', undefined)).toEqual([['error', 1002, 'WS_ERR_UNEXPECTED_RSV_1']]);
    expect(decode([frame(0x41, deflated('x')), frame(0xc0, deflated('y'))], 'server', server())).toEqual([['error', 1002, 'WS_ERR_UNEXPECTED_RSV_1']]);
    expect(decode([frame(0xc9, 'p')], 'server', server())).toEqual([['error', 1002, 'WS_ERR_UNEXPECTED_RSV_1']]);
    expect(decode([frame(0xc8, Buffer.from([3, 232]))], 'server', server())).toEqual([['error', 1002, 'WS_ERR_UNEXPECTED_RSV_1']]);
  });

  test('compressed first frame, then continuations (RSV1 clear), interleaved ping: fine', () => {
    const payload = deflated('fragmented and compressed');
    const chunks = [frame(0x41, payload.subarray(0, 5)), frame(0x89, 'p'), frame(0x00, payload.subarray(5, 9)), frame(0x80, payload.subarray(9))];
    expect(decode(chunks, 'server', server())).toEqual([['ping', 'p'], ['message', 'fragmented and compressed', false]]);
  });

  test('invalid DEFLATE data: 1007, after the messages before it, none after', () => {
    const got = decode([Buffer.concat([frame(0x81, 'before'), frame(0xc1, Buffer.from([0xff, 0xff, 0xff])), frame(0x81, 'after')])], 'server', server());
    expect(got).toEqual([['message', 'before', false], ['error', 1007, 'Z_DATA_ERROR']]);
  });

  test('compressed invalid UTF-8 text: 1007; as binary it is fine', () => {
    const bad = deflated(Buffer.from([0x61, 0xc3, 0x28]));
    expect(decode([frame(0xc1, bad)], 'server', server())).toEqual([['error', 1007, 'WS_ERR_INVALID_UTF8']]);
    expect(decode([frame(0xc1, deflated(Buffer.from([0x61, 0xe2, 0x82])))], 'server', server())).toEqual([['error', 1007, 'WS_ERR_INVALID_UTF8']]);
    expect(decode([frame(0xc2, bad)], 'server', server())).toEqual([['message', '61c328', true]]);
  });

  test('a zip bomb closes with 1009 at maxPayload', () => {
    const bomb = deflated(new Uint8Array(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(20 * 1024);
    expect(decode([frame(0xc2, bomb)], 'server', server(), 1024 * 1024)).toEqual([['error', 1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']]);
    expect(decode([frame(0xc2, bomb)], 'server', server(), 16 * 1024 * 1024)[0][0]).toBe('message');
  });
});
