// Frame decode/encode: the RFC 6455 §5.7 examples, protocol errors with their
// close codes, and a seeded differential sample: random message streams built
// by a byte-level reference framer, decoded in random chunks, and round trips
// through FrameEncoder (server: byte-exact against the reference; client:
// masked with fresh keys, so decoded back).
import { Random } from '../random.js';
import { referenceMask } from '../reference.js';
import type { MessageDeflate } from '../../../src/codec/index.js';
import { type Case, type Codec, type Options, check, checkBytes, hex } from './case.js';

export type Event =
  | { kind: 'message'; data: Uint8Array; isBinary: boolean }
  | { kind: 'ping' | 'pong'; data: Uint8Array }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'error'; closeCode: number };

/** One frame, RFC 6455 §5.2 byte by byte; masked with `key` when given. */
function referenceFrame(opcode: number, fin: boolean, payload: Uint8Array, key?: Uint8Array): Uint8Array {
  const n = payload.length;
  const header = [(fin ? 0x80 : 0) | opcode];
  const maskBit = key ? 0x80 : 0;
  if (n < 126) header.push(maskBit | n);
  else if (n < 65536) header.push(maskBit | 126, n >> 8, n & 255);
  else header.push(maskBit | 127, 0, 0, 0, 0, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  if (key) header.push(...key);
  const out = new Uint8Array(header.length + n);
  out.set(header);
  if (key) referenceMask(payload, key, out, header.length, n);
  else out.set(payload, header.length);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) (out.set(part, at), (at += part.length));
  return out;
}

/** Decodes `chunks` (with permessage-deflate when `deflate` is given) and records every callback. */
export function decode(codec: Codec, chunks: Uint8Array[], role: 'server' | 'client', maxPayload = 0, deflate?: MessageDeflate): Event[] {
  const events: Event[] = [];
  const decoder = new codec.FrameDecoder({
    role,
    maxPayload,
    deflate,
    onMessage: (data, isBinary) => events.push({ kind: 'message', data: data.slice(), isBinary }),
    onPing: (data) => events.push({ kind: 'ping', data: data.slice() }),
    onPong: (data) => events.push({ kind: 'pong', data: data.slice() }),
    onClose: (code, reason) => events.push({ kind: 'close', code, reason }),
    onError: (error) => events.push({ kind: 'error', closeCode: error.closeCode }),
  });
  for (const chunk of chunks) decoder.push(chunk);
  return events;
}

export function checkEvents(actual: Event[], expected: Event[], what: string): void {
  check(actual.length === expected.length, () => `${what}: ${actual.length} events, want ${expected.length} (${JSON.stringify(actual.map((e) => e.kind))})`);
  expected.forEach((want, i) => {
    const got = actual[i];
    check(got.kind === want.kind, () => `${what}: event ${i} is ${got.kind}, want ${want.kind}`);
    if ('data' in want && 'data' in got) checkBytes(got.data, want.data, `${what}: event ${i} payload`);
    if (want.kind === 'message' && got.kind === 'message') check(got.isBinary === want.isBinary, () => `${what}: event ${i} isBinary`);
    if (want.kind === 'close' && got.kind === 'close') check(got.code === want.code && got.reason === want.reason, () => `${what}: close ${got.code} ${got.reason}`);
    if (want.kind === 'error' && got.kind === 'error') check(got.closeCode === want.closeCode, () => `${what}: error closes with ${got.closeCode}, want ${want.closeCode}`);
  });
}

/** Random cut points: mostly small pieces, sometimes one byte at a time, sometimes whole. */
export function chunks(random: Random, bytes: Uint8Array): Uint8Array[] {
  // Byte by byte only for short streams: a push per byte is slow in pure JS.
  const style = bytes.length > 4096 ? random.int(2) * 3 : random.int(4);
  if (style === 0) return [bytes];
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = style === 1 ? 1 : 1 + random.int(style === 2 ? 20 : 70_000);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

export function randomText(random: Random, length: number): Uint8Array {
  const chars = ['a', 'Z', ' ', 'é', 'ż', '✓', '€', '😀'];
  let text = '';
  while (text.length < length) text += chars[random.int(chars.length)];
  return new TextEncoder().encode(text);
}

/** A random stream: messages (some fragmented, with pings/pongs between fragments), then maybe a close. */
function randomStream(random: Random, masked: boolean): { frames: Uint8Array[]; events: Event[]; plan: [string, number, boolean, Uint8Array][] } {
  const frames: Uint8Array[] = [];
  const events: Event[] = [];
  const plan: [string, number, boolean, Uint8Array][] = [];
  const key = () => (masked ? random.bytes(4) : undefined);
  const emit = (kind: string, opcode: number, fin: boolean, payload: Uint8Array) => {
    frames.push(referenceFrame(opcode, fin, payload, key()));
    plan.push([kind, opcode, fin, payload]);
  };
  const count = 1 + random.int(8);
  for (let m = 0; m < count; m++) {
    const isBinary = random.int(2) === 0;
    const size = [0, 1, 125, 126, 65535, 65536][random.int(12)] ?? random.int(random.int(4) ? 2000 : 200_000);
    const data = isBinary ? random.bytes(size) : randomText(random, size);
    const pieces = random.int(3) ? 1 : 2 + random.int(4);
    let at = 0;
    for (let p = 0; p < pieces; p++) {
      const end = p === pieces - 1 ? data.length : at + random.int(data.length - at + 1);
      emit(p === 0 ? (isBinary ? 'binary' : 'text') : 'continuation', p === 0 ? (isBinary ? 2 : 1) : 0, p === pieces - 1, data.subarray(at, end));
      at = end;
      if (p === pieces - 1) events.push({ kind: 'message', data, isBinary });
      if (random.int(4) === 0) {
        const body = random.bytes(random.int(126));
        const ping = random.int(2) === 0;
        emit(ping ? 'ping' : 'pong', ping ? 9 : 10, true, body);
        events.push({ kind: ping ? 'ping' : 'pong', data: body });
      }
    }
  }
  if (random.int(3) === 0) {
    const reason = randomText(random, random.int(20));
    const body = new Uint8Array(2 + reason.length);
    body[0] = 1000 >> 8;
    body[1] = 1000 & 255;
    body.set(reason, 2);
    emit('close', 8, true, body);
    events.push({ kind: 'close', code: 1000, reason: new TextDecoder().decode(reason) });
  }
  return { frames, events, plan };
}

/** Replays `plan` through a FrameEncoder. */
function encode(codec: Codec, role: 'server' | 'client', plan: [string, number, boolean, Uint8Array][]): Uint8Array {
  const encoder = new codec.FrameEncoder({ role });
  for (const [kind, , fin, payload] of plan) {
    if (kind === 'text') encoder.text(payload, fin);
    else if (kind === 'binary') encoder.binary(payload, fin);
    else if (kind === 'continuation') encoder.continuation(payload, fin);
    else if (kind === 'ping') encoder.ping(payload);
    else if (kind === 'pong') encoder.pong(payload);
    else encoder.close((payload[0] << 8) | payload[1], new TextDecoder().decode(payload.subarray(2)));
  }
  return encoder.flush();
}

const hello = new TextEncoder().encode('Hello');

export function frameCases({ seed, scale }: Options): Case[] {
  return [
    {
      name: 'frame: RFC 6455 §5.7 examples, whole and byte by byte',
      run(codec) {
        const examples: [string, 'server' | 'client', Event[]][] = [
          ['810548656c6c6f', 'client', [{ kind: 'message', data: hello, isBinary: false }]],
          ['818537fa213d7f9f4d5158', 'server', [{ kind: 'message', data: hello, isBinary: false }]],
          ['010348656c80026c6f', 'client', [{ kind: 'message', data: hello, isBinary: false }]],
          ['890548656c6c6f', 'client', [{ kind: 'ping', data: hello }]],
          ['8a8537fa213d7f9f4d5158', 'server', [{ kind: 'pong', data: hello }]],
        ];
        for (const [bytes, role, events] of examples) {
          const frame = hex(bytes);
          checkEvents(decode(codec, [frame], role), events, `decode ${bytes}`);
          checkEvents(decode(codec, Array.from(frame, (b) => new Uint8Array([b])), role), events, `decode ${bytes} byte by byte`);
        }
        const big = new Uint8Array(65536).map((_, i) => i * 7);
        checkBytes(hex('827e0100'), referenceFrame(2, true, big.subarray(0, 256)).subarray(0, 4), '256-byte header');
        checkEvents(decode(codec, [referenceFrame(2, true, big)], 'client'), [{ kind: 'message', data: big, isBinary: true }], '64 KiB binary');
        checkBytes(new codec.FrameEncoder({ role: 'server' }).text('Hello').flush(), hex('810548656c6c6f'), 'encode Hello');
      },
    },
    {
      name: 'frame: protocol errors close with 1002 / 1007 / 1009',
      run(codec) {
        const cases: [string, Uint8Array, 'server' | 'client', number][] = [
          ['RSV1 without an extension', hex('c10548656c6c6f'), 'client', 1002],
          ['reserved opcode 3', hex('830548656c6c6f'), 'client', 1002],
          ['unmasked frame to a server', hex('810548656c6c6f'), 'server', 1002],
          ['masked frame to a client', hex('818537fa213d7f9f4d5158'), 'client', 1002],
          ['fragmented ping', hex('0900'), 'client', 1002],
          ['ping of 126 bytes', referenceFrame(9, true, new Uint8Array(126)), 'client', 1002],
          ['continuation with no message', hex('8000'), 'client', 1002],
          ['text frame inside a fragmented message', concat([hex('0100'), hex('8100')]), 'client', 1002],
          ['invalid UTF-8 text', referenceFrame(1, true, hex('48c328')), 'client', 1007],
          ['invalid UTF-8 across fragments', concat([referenceFrame(1, false, hex('61e0')), referenceFrame(0, true, hex('8080'))]), 'client', 1007],
          ['invalid UTF-8 in a long masked text', referenceFrame(1, true, concat([new Uint8Array(5000).fill(0x61), hex('eda080')]), hex('01020304')), 'server', 1007],
        ];
        const tooBig = concat([referenceFrame(2, true, new Uint8Array(100)), referenceFrame(1, false, new Uint8Array(60)), referenceFrame(0, true, new Uint8Array(41))]);
        cases.push(['message over maxPayload (100), in fragments', tooBig, 'client', 1009]);
        for (const [what, bytes, role, closeCode] of cases) {
          const events = decode(codec, [bytes], role, bytes === tooBig ? 100 : 0);
          const last = events[events.length - 1];
          check(last?.kind === 'error' && last.closeCode === closeCode, () => `${what}: want error ${closeCode}, got ${JSON.stringify(events.map((e) => e.kind === 'error' ? e.closeCode : e.kind))}`);
        }
      },
    },
    {
      name: `frame: decode differential, random streams in random chunks, both roles (seed ${seed})`,
      run(codec) {
        const random = new Random(seed + 20);
        for (let i = 0; i < 40 * scale; i++) {
          const masked = random.int(2) === 0;
          const { frames, events } = randomStream(random, masked);
          checkEvents(decode(codec, chunks(random, concat(frames)), masked ? 'server' : 'client'), events, `stream ${i}`);
        }
      },
    },
    {
      name: `frame: FrameEncoder round trips (server byte-exact vs the reference; client masked, decoded back) (seed ${seed})`,
      run(codec) {
        const random = new Random(seed + 21);
        for (let i = 0; i < 25 * scale; i++) {
          const { frames, events, plan } = randomStream(random, false);
          checkBytes(encode(codec, 'server', plan), concat(frames), `server stream ${i}`);
          const masked = encode(codec, 'client', plan);
          checkEvents(decode(codec, chunks(random, masked), 'server'), events, `client stream ${i} decoded`);
        }
      },
    },
  ];
}
