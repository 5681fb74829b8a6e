import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameEncoder } from '../../src/codec/index.js';
import { digest, wsframeDecode } from '../support/decode.js';
import { FUZZ_SEED, type Item, chunking, fuzzRuns, items, split } from '../support/streams.js';
import { type Event, ws, wsDecode } from '../support/ws.js';

const textDecoder = new TextDecoder();

/** Encodes `list` with FrameEncoder, text as strings or bytes (alternating). */
function encode(encoder: FrameEncoder, list: Item[]): Uint8Array {
  let asString = false;
  for (const item of list) {
    if ('control' in item) {
      if (item.control.opcode === 9) encoder.ping(item.control.payload);
      else encoder.pong(item.control.payload);
      continue;
    }
    const { opcode, payload, cuts, interleaved } = item.message;
    const bounds = [0, ...cuts, payload.length];
    for (let f = 0; f + 1 < bounds.length; f++) {
      const last = f + 2 === bounds.length;
      const piece = payload.subarray(bounds[f], bounds[f + 1]);
      // Strings only where the piece is whole characters: a whole unfragmented text message.
      asString = !asString;
      const data = opcode === 1 && bounds.length === 2 && asString ? textDecoder.decode(piece) : piece;
      if (f > 0) encoder.continuation(data, last);
      else if (opcode === 1) encoder.text(data, last);
      else encoder.binary(piece, last);
      for (const c of interleaved) {
        if (c.after !== f) continue;
        if (c.control.opcode === 9) encoder.ping(c.control.payload);
        else encoder.pong(c.control.payload);
      }
    }
  }
  return encoder.flush();
}

function expectedEvents(list: Item[]): Event[] {
  const events: Event[] = [];
  for (const item of list) {
    if ('control' in item) {
      events.push({ kind: item.control.opcode === 9 ? 'ping' : 'pong', data: item.control.payload });
      continue;
    }
    const { opcode, payload, cuts, interleaved } = item.message;
    for (let f = 0; f < cuts.length; f++) {
      for (const c of interleaved) if (c.after === f) events.push({ kind: c.control.opcode === 9 ? 'ping' : 'pong', data: c.control.payload });
    }
    events.push({ kind: 'message', data: payload, isBinary: opcode === 2 });
  }
  return events;
}

describe(`FrameEncoder output decodes identically in ws's Receiver (seed ${FUZZ_SEED})`, () => {
  for (const role of ['server', 'client'] as const) {
    it(`${role} role, random streams and chunkings`, () => {
      const encoder = new FrameEncoder({ role });
      fc.assert(
        fc.property(items(70_000), chunking, (list, how) => {
          const bytes = encode(encoder, list);
          const chunks = split(bytes, how);
          const expected = digest(expectedEvents(list));
          // ws reads client frames as a server and server frames as a client.
          expect(digest(wsDecode(chunks, role === 'client'))).toEqual(expected);
          expect(digest(wsframeDecode(chunks, role === 'client' ? 'server' : 'client').events)).toEqual(expected);
        }),
        { seed: FUZZ_SEED + 2, numRuns: fuzzRuns(3000) },
      );
    });
  }
});

describe('FrameEncoder matches ws Sender.frame byte for byte', () => {
  const sizes = [0, 1, 5, 125, 126, 127, 200, 65535, 65536, 70_000];
  it('server role (unmasked): identical bytes for every opcode and length encoding', () => {
    const encoder = new FrameEncoder({ role: 'server' });
    for (const size of sizes) {
      for (const fin of [true, false]) {
        const payload = new Uint8Array(size).map((_, i) => i * 7);
        const frame = encoder.binary(payload, fin).flush();
        if (!fin) encoder.continuation(new Uint8Array(0), true).flush();
        const reference = Buffer.concat(ws.Sender.frame(Buffer.from(payload), { fin, opcode: 2, mask: false, readOnly: true, rsv1: false }));
        expect(Buffer.compare(frame, reference)).toBe(0);
      }
    }
  });

  it('client role (masked): identical bytes to ws with the same key; a fresh key per frame', () => {
    const encoder = new FrameEncoder({ role: 'client' });
    const keys = new Set<string>();
    for (const size of sizes) {
      const payload = new Uint8Array(size).map((_, i) => i * 13);
      const frame = encoder.text(payload).flush();
      const keyAt = size < 126 ? 2 : size < 65536 ? 4 : 10;
      const key = frame.subarray(keyAt, keyAt + 4);
      keys.add(Buffer.from(key).toString('hex'));
      const reference = Buffer.concat(
        ws.Sender.frame(Buffer.from(payload), { fin: true, opcode: 1, mask: true, readOnly: true, rsv1: false, generateMask: (m: Buffer) => m.set(key) }),
      );
      expect(Buffer.compare(frame, reference)).toBe(0);
    }
    expect(keys.size).toBe(sizes.length);
  });

  it('strings: UTF-8 across the 125/126 and 65535/65536 header boundaries', () => {
    const encoder = new FrameEncoder({ role: 'server' });
    for (const text of ['', 'a', 'é'.repeat(62), 'é'.repeat(63), 'x'.repeat(41), 'x'.repeat(42), 'x'.repeat(125), 'x'.repeat(126), '€'.repeat(21845), 'a'.repeat(65536), '😀'.repeat(30000)]) {
      const frame = encoder.text(text).flush();
      const reference = Buffer.concat(ws.Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false }));
      expect(Buffer.compare(frame, reference)).toBe(0);
    }
  });

  it('batches many frames into one buffer; close frames', () => {
    const encoder = new FrameEncoder({ role: 'server' });
    encoder.text('a').binary(new Uint8Array([1, 2])).ping('p').pong().close(1000, 'bye');
    expect(encoder.pending).toBe(3 + 4 + 3 + 2 + 7);
    const batch = encoder.flush();
    expect(Buffer.from(batch).toString('hex')).toBe('810161820201028901708a0088050' + '3e8' + Buffer.from('bye').toString('hex'));
    expect(encoder.pending).toBe(0);
    expect(encoder.close().flush()).toEqual(new Uint8Array([0x88, 0]));
  });

  it('writeFrame frames into a caller buffer at an offset', () => {
    const encoder = new FrameEncoder({ role: 'server' });
    const target = new Uint8Array(20).fill(0xee);
    const end = encoder.writeFrame(target, 3, 2, new Uint8Array([9, 8, 7]));
    expect(end).toBe(8);
    expect([...target.subarray(0, 9)]).toEqual([0xee, 0xee, 0xee, 0x82, 3, 9, 8, 7, 0xee]);
    expect(() => encoder.writeFrame(target, 18, 2, new Uint8Array([1]))).toThrow(RangeError);
    expect(target[18]).toBe(0xee);
  });

  it('writeFrame, both roles, every length encoding: ws decodes the same messages', () => {
    for (const role of ['server', 'client'] as const) {
      const encoder = new FrameEncoder({ role });
      const payloads = [0, 1, 3, 4, 5, 63, 64, 65, 125, 126, 127, 200, 65535, 65536, 70_000].map((n) => new Uint8Array(n).map((_, i) => (i * 29 + n) & 0xff));
      const target = new Uint8Array(payloads.reduce((sum, p) => sum + encoder.frameSize(p.length), 7));
      let at = 7;
      for (const p of payloads) at = encoder.writeFrame(target, at, 2, p);
      expect(at).toBe(target.length);
      const events = wsDecode([target.subarray(7)], role === 'client');
      expect(digest(events)).toEqual(digest(payloads.map((data) => ({ kind: 'message', data, isBinary: true }))));
    }
  });

  it('writeFrameHeader + the payload as it is equals writeFrame, every length encoding; client role refuses', () => {
    const encoder = new FrameEncoder({ role: 'server' });
    for (const n of [0, 125, 126, 65535, 65536, 100_000]) {
      const payload = new Uint8Array(n).map((_, i) => (i * 7 + n) & 0xff);
      for (const [opcode, fin] of [[1, true], [2, false], [0, true]] as const) {
        const whole = new Uint8Array(encoder.frameSize(n));
        encoder.writeFrame(whole, 0, opcode, payload, fin);
        const header = new Uint8Array(encoder.frameSize(n) - n + 2).fill(0xee);
        const end = encoder.writeFrameHeader(header, 1, opcode, n, fin);
        expect(end).toBe(header.length - 1);
        expect(header[header.length - 1]).toBe(0xee);
        expect(Buffer.concat([header.subarray(1, end), payload]).equals(whole)).toBe(true);
      }
    }
    expect(() => encoder.writeFrameHeader(new Uint8Array(4), 0, 9, 126)).toThrow(RangeError);
    expect(() => encoder.writeFrameHeader(new Uint8Array(3), 0, 2, 126)).toThrow(RangeError);
    expect(() => new FrameEncoder({ role: 'client' }).writeFrameHeader(new Uint8Array(14), 0, 2, 10)).toThrow(TypeError);
  });

  it('rejects what RFC 6455 forbids, before writing', () => {
    const encoder = new FrameEncoder({ role: 'server' });
    expect(() => encoder.ping(new Uint8Array(126))).toThrow(RangeError);
    expect(() => encoder.close(1005)).toThrow(RangeError);
    expect(() => encoder.close(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(() => encoder.continuation(new Uint8Array(1))).toThrow(/no fragmented message/);
    encoder.text('a', false);
    expect(() => encoder.binary(new Uint8Array(1))).toThrow(/in progress/);
    encoder.continuation('b', true);
    expect(() => encoder.writeFrame(new Uint8Array(10), 0, 3, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encoder.writeFrame(new Uint8Array(10), 0, 9, new Uint8Array(0), false)).toThrow(RangeError);
    expect(Buffer.from(encoder.flush()).toString('hex')).toBe('01016180016' + '2');
  });
});
