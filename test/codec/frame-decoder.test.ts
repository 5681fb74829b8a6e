import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameError, IO_SIZE, io } from '../../src/codec/index.js';
import { digest, wsframeDecode } from '../support/decode.js';
import { wsDecode, wsFrame } from '../support/ws.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const KEY = '37fa213d';
/** A raw frame: first byte, then the length field and key as given, then the payload masked with KEY when masked. */
function raw(first: number, payload: Uint8Array, { masked = true, length }: { masked?: boolean; length?: string } = {}): Uint8Array {
  const n = payload.length;
  const field = length ?? (n < 126 ? n.toString(16).padStart(2, '0') : n < 65536 ? `7e${n.toString(16).padStart(4, '0')}` : `7f${n.toString(16).padStart(16, '0')}`);
  const second = ((parseInt(field.slice(0, 2), 16) | (masked ? 0x80 : 0)) >>> 0).toString(16).padStart(2, '0');
  const key = hex(KEY);
  const body = masked ? payload.map((b, i) => b ^ key[i & 3]) : payload;
  return Uint8Array.from([...hex(first.toString(16).padStart(2, '0') + second + field.slice(2) + (masked ? KEY : '')), ...body]);
}
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const VALID = concat(raw(0x81, bytes('hi')), raw(0x89, bytes('p')), raw(0x02, bytes('ab')), raw(0x80, bytes('c')));
const AFTER = raw(0x81, bytes('never delivered'));

/** Every byte split: whole, and one byte per push. */
function splits(stream: Uint8Array): Uint8Array[][] {
  return [[stream], Array.from(stream, (_, i) => stream.subarray(i, i + 1))];
}

describe('RFC 6455 §5.7 examples', () => {
  const cases: [string, string, 'server' | 'client', unknown[]][] = [
    ['single-frame unmasked text', '810548656c6c6f', 'client', [['message', false, Buffer.from('Hello').toString('hex')]]],
    ['single-frame masked text', '818537fa213d7f9f4d5158', 'server', [['message', false, Buffer.from('Hello').toString('hex')]]],
    ['fragmented unmasked text', '010348656c 80026c6f', 'client', [['message', false, Buffer.from('Hello').toString('hex')]]],
    ['unmasked ping', '890548656c6c6f', 'client', [['ping', Buffer.from('Hello').toString('hex')]]],
    ['masked pong', '8a8537fa213d7f9f4d5158', 'server', [['pong', Buffer.from('Hello').toString('hex')]]],
  ];
  for (const [name, stream, role, expected] of cases) {
    it(name, () => {
      for (const chunks of splits(hex(stream))) expect(digest(wsframeDecode(chunks, role).events)).toEqual(expected);
    });
  }
  it('256 and 65536 bytes of binary in one unmasked frame', () => {
    for (const n of [256, 65536]) {
      const payload = new Uint8Array(n).map((_, i) => i * 31);
      const header = n === 256 ? '827e0100' : '827f0000000000010000';
      const { events } = wsframeDecode([concat(hex(header), payload)], 'client');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ kind: 'message', isBinary: true });
      expect(Buffer.compare((events[0] as { data: Uint8Array }).data, payload)).toBe(0);
    }
  });
});

describe('protocol errors: the close code, once, and nothing after', () => {
  const cases: [string, Uint8Array, number, string, { role?: 'server' | 'client'; maxPayload?: number; sameAsWs?: boolean }?][] = [
    ['RSV2/RSV3 set', raw(0xa1, bytes('x')), 1002, 'WS_ERR_UNEXPECTED_RSV_2_3'],
    ['RSV1 set without an extension', raw(0xc1, bytes('x')), 1002, 'WS_ERR_UNEXPECTED_RSV_1'],
    ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map((op) => [`reserved opcode ${op}`, raw(0x80 | op, bytes('x')), 1002, 'WS_ERR_INVALID_OPCODE'] as [string, Uint8Array, number, string]),
    ['continuation without a message', raw(0x80, bytes('x')), 1002, 'WS_ERR_INVALID_OPCODE'],
    ['new text frame inside a fragmented message', concat(raw(0x01, bytes('a')), raw(0x81, bytes('b'))), 1002, 'WS_ERR_INVALID_OPCODE'],
    ['new binary frame inside a fragmented message', concat(raw(0x02, bytes('a')), raw(0x82, bytes('b'))), 1002, 'WS_ERR_INVALID_OPCODE'],
    ['fragmented ping', raw(0x09, bytes('x')), 1002, 'WS_ERR_EXPECTED_FIN'],
    ['fragmented close', raw(0x08, hex('03e8')), 1002, 'WS_ERR_EXPECTED_FIN'],
    ['ping of 126 bytes', raw(0x89, new Uint8Array(126)), 1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
    ['pong with a 64-bit length', raw(0x8a, new Uint8Array(3), { length: '7f0000000000000003' }), 1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
    ['close with a 1-byte body', raw(0x88, hex('03')), 1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
    ['unmasked frame from a client', raw(0x81, bytes('x'), { masked: false }), 1002, 'WS_ERR_EXPECTED_MASK'],
    ['masked frame from a server', raw(0x81, bytes('x')), 1002, 'WS_ERR_UNEXPECTED_MASK', { role: 'client' }],
    // ws reports 1009 here; RFC 6455 §5.2 makes a set top bit a protocol violation.
    ['64-bit length with the top bit set', raw(0x82, new Uint8Array(0), { length: '7f8000000000000000' }), 1002, 'WS_ERR_INVALID_PAYLOAD_LENGTH', { sameAsWs: false }],
    ['64-bit length above 2^53 - 1', raw(0x82, new Uint8Array(0), { length: '7f0020000000000000' }), 1009, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'],
    ['message over maxPayload, from the header alone', raw(0x82, new Uint8Array(0), { length: '7e0065' }), 1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', { maxPayload: 100 }],
    ['fragments adding up over maxPayload', concat(raw(0x02, new Uint8Array(60)), raw(0x89, new Uint8Array(100)), raw(0x80, new Uint8Array(41), { length: '29' })), 1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', { maxPayload: 100 }],
    ...[0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535].map((code) => [`close code ${code}`, raw(0x88, hex(code.toString(16).padStart(4, '0'))), 1002, 'WS_ERR_INVALID_CLOSE_CODE'] as [string, Uint8Array, number, string]),
    ['close reason that is not UTF-8', raw(0x88, hex('03e8 61 c3 28')), 1007, 'WS_ERR_INVALID_UTF8'],
  ];
  for (const [name, frame, closeCode, code, options = {}] of cases) {
    it(name, () => {
      const role = options.role ?? 'server';
      const valid = role === 'server' ? VALID : concat(...[raw(0x81, bytes('hi'), { masked: false })]);
      const after = role === 'server' ? AFTER : raw(0x81, bytes('never delivered'), { masked: false });
      for (const prefix of [new Uint8Array(0), valid]) {
        const stream = concat(prefix, frame, after);
        for (const chunks of splits(stream)) {
          const { events, decoder } = wsframeDecode(chunks, role, { maxPayload: options.maxPayload });
          const got = digest(events);
          expect(got.at(-1)).toEqual(['error', closeCode, code]);
          expect(got.filter((e) => (e as string[])[0] === 'error')).toHaveLength(1);
          expect(decoder.stopped).toBe(true);
          expect(decoder.error).toBeInstanceOf(FrameError);
          expect(decoder.error).toMatchObject({ closeCode, code });
          if (options.sameAsWs !== false) expect(got).toEqual(digest(wsDecode(chunks, role === 'server', options.maxPayload ?? 0)));
          // Stopped for good.
          decoder.push(valid);
          expect(events).toHaveLength(got.length);
        }
      }
    });
  }

  it('maxPayload is checked before the payload arrives', () => {
    const errors: FrameError[] = [];
    const decoder = new FrameDecoder({ role: 'server', maxPayload: 1 << 20, onMessage: () => {}, onError: (e) => errors.push(e) });
    decoder.push(hex(`82ff${(2 ** 30).toString(16).padStart(16, '0')}`));
    expect(errors.map((e) => e.closeCode)).toEqual([1009]);
  });

  it('accepts a message of exactly maxPayload bytes, in fragments', () => {
    const stream = concat(raw(0x02, new Uint8Array(60)), raw(0x80, new Uint8Array(40)));
    const { events } = wsframeDecode([stream], 'server', { maxPayload: 100 });
    expect(events).toMatchObject([{ kind: 'message', isBinary: true }]);
  });
});

describe('UTF-8 in text messages: validated in the same pass as unmasking, failing fast', () => {
  const invalid: [string, string][] = [
    ['a stray continuation byte', '61 80 62'],
    ['an overlong encoding', 'c0 af'],
    ['a surrogate', 'ed a0 80'],
    ['above U+10FFFF', 'f4 90 80 80'],
    ['F5', 'f5 80 80 80'],
    ['a character cut off by the end of the message', '61 e2 82'],
  ];
  for (const [name, payload] of invalid) {
    it(`${name}: 1007, like ws, whole and split byte by byte, in one frame and in fragments`, () => {
      const bad = hex(payload);
      const streams = [
        raw(0x81, bad),
        concat(raw(0x01, bad.subarray(0, 1)), raw(0x89, bytes('p')), raw(0x80, bad.subarray(1))),
        concat(raw(0x01, new Uint8Array(0)), raw(0x00, bad.subarray(0, 2)), raw(0x80, bad.subarray(2))),
      ];
      for (const stream of streams) {
        for (const chunks of splits(concat(stream, AFTER))) {
          const { events } = wsframeDecode(chunks, 'server');
          const got = digest(events).filter((e) => (e as string[])[0] !== 'ping');
          expect(got).toEqual([['error', 1007, 'WS_ERR_INVALID_UTF8']]);
          const ws = digest(wsDecode(chunks, true)).filter((e) => (e as string[])[0] !== 'ping');
          expect(ws).toEqual(got);
        }
      }
    });
  }

  it('fails fast: the error comes with the bad fragment, before the message ends', () => {
    const errors: number[] = [];
    const decoder = new FrameDecoder({ role: 'server', onMessage: () => {}, onError: (e) => errors.push(e.closeCode) });
    decoder.push(raw(0x01, bytes('ok')));
    expect(errors).toEqual([]);
    decoder.push(raw(0x00, hex('ff')));
    expect(errors).toEqual([1007]);
    // Even inside one frame whose payload has not all arrived.
    const partial: number[] = [];
    const second = new FrameDecoder({ role: 'server', onMessage: () => {}, onError: (e) => partial.push(e.closeCode) });
    second.push(raw(0x81, concat(hex('c3 28'), new Uint8Array(1000).fill(0x61))).subarray(0, 12));
    expect(partial).toEqual([1007]);
  });

  it('characters split across fragments and chunks are fine; every 4-byte boundary', () => {
    const text = 'aé€😀b';
    const payload = bytes(text);
    for (let cut = 0; cut <= payload.length; cut++) {
      const stream = concat(raw(0x01, payload.subarray(0, cut)), raw(0x80, payload.subarray(cut)));
      for (const chunks of splits(stream)) {
        expect(digest(wsframeDecode(chunks, 'server').events)).toEqual([['message', false, Buffer.from(payload).toString('hex')]]);
      }
    }
  });
});

describe('close frames', () => {
  it('an empty body is code 1005; valid codes and UTF-8 reasons come through; the decoder stops after', () => {
    for (const [body, code, reason] of [['', 1005, ''], ['03e8', 1000, ''], ['0bb8c3a9', 3000, 'é'], ['1387' + Buffer.from('bye').toString('hex'), 4999, 'bye']] as const) {
      for (const chunks of splits(concat(raw(0x88, hex(body)), AFTER))) {
        const { events, decoder } = wsframeDecode(chunks, 'server');
        expect(events).toEqual([{ kind: 'close', code, reason }]);
        expect(decoder.stopped).toBe(true);
        expect(decoder.error).toBe(null);
      }
    }
  });
});

describe('delivery', () => {
  it('data stays valid after the callback, and after the I/O region is reused', () => {
    const kept: Uint8Array[] = [];
    const decoder = new FrameDecoder({ role: 'server', onMessage: (data) => kept.push(data) });
    decoder.push(concat(raw(0x82, hex('0102')), raw(0x82, hex('0304'))));
    io.fill(0xff);
    decoder.push(raw(0x82, new Uint8Array(IO_SIZE + 10).fill(7)));
    expect(kept.map((d) => d.length)).toEqual([2, 2, IO_SIZE + 10]);
    expect([...kept[0], ...kept[1]]).toEqual([1, 2, 3, 4]);
    expect(kept[2].every((b) => b === 7)).toBe(true);
    expect(kept.every((d) => d.buffer !== io.buffer)).toBe(true);
  });

  it('pushIO decodes bytes already in the I/O region and carries partial frames', () => {
    const got: string[] = [];
    const decoder = new FrameDecoder({ role: 'server', onMessage: (data) => got.push(Buffer.from(data).toString()) });
    const stream = concat(raw(0x81, bytes('hello')), raw(0x81, bytes('world')));
    for (const cut of [3, 9]) {
      io.set(stream.subarray(0, cut));
      decoder.pushIO(cut);
      io.fill(0);
      io.set(stream.subarray(cut));
      decoder.pushIO(stream.length - cut);
    }
    expect(got).toEqual(['hello', 'world', 'hello', 'world']);
    expect(() => decoder.pushIO(IO_SIZE + 1)).toThrow(RangeError);
  });

  it('re-entrant push from a callback is delivered after the pending events, in order', () => {
    const got: string[] = [];
    const other: string[] = [];
    const second = new FrameDecoder({ role: 'server', onMessage: (data) => other.push(Buffer.from(data).toString()) });
    const decoder: FrameDecoder = new FrameDecoder({
      role: 'server',
      onMessage: (data) => {
        const text = Buffer.from(data).toString();
        got.push(text);
        if (text === 'a') {
          decoder.push(raw(0x81, bytes('c')));
          second.push(raw(0x81, bytes('x')));
        }
      },
    });
    decoder.push(concat(raw(0x81, bytes('a')), raw(0x81, bytes('b'))));
    expect(got).toEqual(['a', 'b', 'c']);
    expect(other).toEqual(['x']);
  });

  it('transient mode: views are valid during the callback, then reused; nested pushes and throws stay correct', () => {
    const seen: string[] = [];
    const views: Uint8Array[] = [];
    const inner = new FrameDecoder({ role: 'server', transient: true, onMessage: (data) => seen.push(`inner:${Buffer.from(data)}`) });
    const decoder: FrameDecoder = new FrameDecoder({
      role: 'server',
      transient: true,
      onMessage: (data) => {
        const text = Buffer.from(data).toString();
        seen.push(text);
        views.push(data);
        if (text === 'a') inner.push(raw(0x81, bytes('x')));
        if (text === 'b') decoder.push(raw(0x81, bytes('c')));
        if (text === 'boom') throw new Error('boom');
      },
    });
    expect(() => decoder.push(concat(raw(0x81, bytes('a')), raw(0x81, bytes('b')), raw(0x81, bytes('boom')), raw(0x81, bytes('after'))))).toThrow('boom');
    expect(seen).toEqual(['a', 'inner:x', 'b', 'boom']);
    decoder.push(raw(0x81, bytes('zz')));
    expect(seen).toEqual(['a', 'inner:x', 'b', 'boom', 'after', 'c', 'zz']);
    // Memory was reused: the first view now shows later bytes.
    expect(Buffer.from(views[0]).toString()).not.toBe('a');
  });

  it('a throwing callback propagates; the next push delivers the rest', () => {
    const got: string[] = [];
    const decoder = new FrameDecoder({
      role: 'server',
      onMessage: (data) => {
        const text = Buffer.from(data).toString();
        got.push(text);
        if (text === 'a') throw new Error('boom');
      },
    });
    expect(() => decoder.push(concat(raw(0x81, bytes('a')), raw(0x81, bytes('b'))))).toThrow('boom');
    expect(got).toEqual(['a']);
    decoder.push(raw(0x81, bytes('c')));
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('control frames interleaved in a fragmented message arrive in order', () => {
    const stream = concat(raw(0x01, bytes('he')), raw(0x89, bytes('1')), raw(0x00, bytes('l')), raw(0x8a, bytes('2')), raw(0x80, bytes('lo')));
    for (const chunks of splits(stream)) {
      expect(digest(wsframeDecode(chunks, 'server').events)).toEqual([['ping', '31'], ['pong', '32'], ['message', false, Buffer.from('hello').toString('hex')]]);
    }
  });

  it('more frames in one chunk than the descriptor table holds (several kernel calls)', () => {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 12_000; i++) frames.push(i % 3 === 0 ? raw(0x8a, new Uint8Array(0)) : raw(0x82, Uint8Array.of(i & 0xff, i >> 8)));
    const stream = concat(...frames);
    expect(stream.length).toBeLessThan(IO_SIZE * 2);
    const got: number[] = [];
    let pongs = 0;
    const decoder = new FrameDecoder({ role: 'server', onMessage: (d) => got.push(d[0] | (d[1] << 8)), onPong: () => pongs++ });
    decoder.push(stream);
    expect(pongs).toBe(4000);
    expect(got).toEqual(Array.from({ length: 12_000 }, (_, i) => i).filter((i) => i % 3 !== 0));
  });

  it('many decoders interleaved byte by byte keep their own state', () => {
    const streams = ['alpha', 'beta', 'gamma'].map((word, k) => concat(raw(0x01, bytes(word.slice(0, 2))), raw(0x89, bytes(`${k}`)), raw(0x80, bytes(word.slice(2)))));
    const got: string[][] = [[], [], []];
    const decoders = streams.map((_, k) => new FrameDecoder({
      role: 'server',
      onMessage: (d) => got[k].push(Buffer.from(d).toString()),
      onPing: (d) => got[k].push(`ping ${Buffer.from(d)}`),
    }));
    const longest = Math.max(...streams.map((s) => s.length));
    for (let i = 0; i < longest; i++) streams.forEach((s, k) => decoders[k].push(s.subarray(i, i + 1)));
    expect(got).toEqual([['ping 0', 'alpha'], ['ping 1', 'beta'], ['ping 2', 'gamma']]);
  });

  it('bad options throw', () => {
    expect(() => new FrameDecoder({ role: 'x' as 'server', onMessage: () => {} })).toThrow(TypeError);
    expect(() => new FrameDecoder({ role: 'server', maxPayload: -1, onMessage: () => {} })).toThrow(RangeError);
    expect(() => new FrameDecoder({ role: 'server' } as never)).toThrow(TypeError);
  });
});

describe('a frame written by ws for every length-encoding edge', () => {
  it('125, 126, 127, 65535, 65536 bytes, both roles, split everywhere around the header', () => {
    for (const n of [0, 125, 126, 127, 65535, 65536]) {
      for (const server of [true, false]) {
        const payload = new Uint8Array(n).map((_, i) => i);
        const frame = wsFrame(payload, 2, true, server);
        for (let cut = 0; cut <= 16; cut++) {
          const chunks = [frame.subarray(0, cut), frame.subarray(cut)];
          expect(digest(wsframeDecode(chunks, server ? 'server' : 'client').events)).toEqual(digest(wsDecode(chunks, server)));
        }
      }
    }
  });
});
