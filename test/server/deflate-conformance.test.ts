/**
 * Autobahn|Testsuite-style permessage-deflate cases (categories 12 and 13)
 * against the echo server in both modes, each case on its own connection of
 * the fuzzing client. The client side (compressing, inflating the echoes) is
 * deflate-peer.ts, on node:zlib's one-shot functions, independent of
 * wsframe's engine.
 * - 12.N: five corpora × sizes 16 B–128 KiB, every message compressed by the
 *   client, sent whole (12.N.1–10) or auto-fragmented into 256-byte frames of
 *   its compressed payload (12.N.11–18), under the offer browsers make.
 * - 13.N: the same sizes (JSON-like corpus) under Autobahn's seven offers:
 *   server_no_context_takeover on or off × server_max_window_bits none, 9 or
 *   15, and three offers in one header.
 * A case passes when every message comes back compressed (RSV1; the server's
 * threshold is 0), inflates to exactly what was sent, and the closing
 * handshake is clean. Autobahn sends 1,000 messages per case; here each case
 * sends up to 100, at most 256 KiB, to keep the file well under a minute.
 * The corpora also go the other way: wsframe's client against a ws server.
 * Then the violations over the wire: RSV1 misuse (1002), invalid DEFLATE data
 * and compressed invalid UTF-8 (1007), a zip bomb (1009 with bounded RSS,
 * other connections unaffected).
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DeflateMode } from '../../src/codec/deflate/negotiate.js';
import { WebSocket, type WebSocketServer } from '../../src/server/index.js';
import { type Agreed, RSV1, SYNC, TRAILER, agreed, compressedFrames, inflatedMessages } from './deflate-peer.js';
import { CaseTally, Fuzzer, closePayload, frame } from './fuzzer.js';
import { bytes, closeServer, echoServer, next, wsServer } from './helpers.js';

const TEXT = 1;
const BINARY = 2;
const CLOSE = 8;
const PING = 9;
const MODES: DeflateMode[] = ['shared', 'dedicated'];

/** A deterministic pseudo-random sequence in [0, 1): every run sends the same bytes. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** UTF-8 text of exactly `size` bytes made of `piece()`s, padded with spaces where the next piece does not fit. */
function textOf(size: number, piece: () => string): Buffer {
  const out = Buffer.alloc(size, 0x20);
  for (let at = 0; ; ) {
    const p = Buffer.from(piece());
    if (at + p.length > size) return out;
    at += p.copy(out, at);
  }
}

const pick = <T>(r: () => number, list: T[]): T => list[Math.floor(r() * list.length)];
const WORDS = ['the', 'of', 'and', 'frame', 'socket', 'window', 'message', 'compress', 'server', 'client', 'buffer', 'stream', 'header', 'payload', 'close'];
const PROSE = ['Größe', 'über', 'naïve', 'façade', 'κόσμε', 'мир', 'こんにちは', '世界', '😀', 'smörgåsbord', 'עברית', 'العربية', 'and', '🎉🎉'];

interface Corpus {
  name: string;
  opcode: number;
  make(size: number): Buffer;
}

const CORPORA: Corpus[] = [
  {
    name: 'JSON-like records',
    opcode: TEXT,
    make: (n) => {
      const r = random(12);
      return textOf(n, () => `${JSON.stringify({ id: Math.floor(r() * 1e5), user: `user${Math.floor(r() * 5000)}`, active: r() < 0.5, score: Math.floor(r() * 1e4) / 100 })},`);
    },
  },
  { name: 'random binary', opcode: BINARY, make: (n) => bytes(n, 13) },
  {
    name: 'ASCII text',
    opcode: TEXT,
    make: (n) => {
      const r = random(14);
      return textOf(n, () => `${pick(r, WORDS)}${r() < 0.1 ? '.\n' : ' '}`);
    },
  },
  {
    name: 'repetitive binary',
    opcode: BINARY,
    make: (n) => {
      const unit = bytes(61, 15);
      return Buffer.from(Array.from({ length: n }, (_, i) => unit[i % unit.length]));
    },
  },
  {
    name: 'UTF-8 prose',
    opcode: TEXT,
    make: (n) => {
      const r = random(16);
      return textOf(n, () => `${pick(r, PROSE)}${r() < 0.1 ? '. ' : ' '}`);
    },
  },
];

/** Autobahn's sizes: whole messages (cases 1–10), then 256-byte fragments (cases 11–18). */
const WHOLE = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072];
const FRAGMENTED = WHOLE.slice(2);
const FRAGMENT = 256;
const SIZES = [...WHOLE.map((size) => ({ size, fragment: 0 })), ...FRAGMENTED.map((size) => ({ size, fragment: FRAGMENT }))];
/** Messages per case: up to 100, at most 256 KiB in all, at least 2 (so context takeover is exercised). */
const count = (size: number) => Math.max(2, Math.min(100, Math.floor((256 * 1024) / size)));

/**
 * One echo case: opens with `offer`, checks the answer with `accept`, sends
 * the messages and checks the echoes and the closing handshake. Returns null
 * when OK, else what went wrong.
 */
async function echoCase(port: number, offer: string, messages: Buffer[], opcode: number, fragment: number, accept: (a: Agreed) => string | null): Promise<string | null> {
  const f = await Fuzzer.open(port, `Sec-WebSocket-Extensions: ${offer}\r\n`);
  try {
    const a = agreed(f.response);
    if (a === undefined) return `no permessage-deflate in the answer to ${offer}`;
    const refused = accept(a);
    if (refused !== null) return refused;
    f.send(compressedFrames(messages, opcode, a, fragment));
    if (!(await f.until(() => f.frames.filter((fr) => fr.fin && fr.opcode < CLOSE).length >= messages.length || f.closed, 20_000))) return 'timed out waiting for the echoes';
    const echoes = inflatedMessages(f, a);
    if (echoes.length !== messages.length) return `expected ${messages.length} echoes, got ${echoes.length}`;
    for (const [i, [op, compressed, data]] of echoes.entries()) {
      if (op !== opcode || !compressed || !data.equals(messages[i])) return `echo ${i} differs (opcode ${op}, compressed ${compressed}, ${data.length} of ${messages[i].length} bytes)`;
    }
    f.send(frame(CLOSE, closePayload(1000)));
    if (!(await f.until(() => f.closed))) return 'the server did not close the TCP connection';
    const closes = f.closeFrames();
    if (closes.length !== 1 || closes[0].payload.readUInt16BE(0) !== 1000) return 'no clean closing handshake';
    return null;
  } finally {
    f.destroy();
  }
}

/** The offer of 12.x: what Chromium and Firefox send. */
const BROWSER_OFFER = 'permessage-deflate; client_max_window_bits';

/** Autobahn 13.x: (server_no_context_takeover, server_max_window_bits) requested, one offer or several. */
const OFFERS_13: [boolean, number][][] = [[[false, 0]], [[true, 0]], [[false, 9]], [[false, 15]], [[true, 9]], [[true, 15]], [[true, 9], [true, 0], [false, 0]]];
const formatOffer = ([noTakeover, bits]: [boolean, number]) => `permessage-deflate${noTakeover ? '; server_no_context_takeover' : ''}${bits ? `; server_max_window_bits=${bits}` : ''}`;

/** The answer must honour what the first offer requested (both modes can take every 13.x offer). */
function honours([noTakeover, bits]: [boolean, number], mode: DeflateMode) {
  return (a: Agreed): string | null => {
    if (noTakeover && a.serverTakeover) return 'server_no_context_takeover was requested, not answered';
    if (bits && a.serverBits > bits) return `server_max_window_bits=${bits} was requested, ${a.serverBits} answered`;
    if (mode === 'shared' && (a.serverTakeover || a.clientTakeover)) return 'shared mode must answer no context takeover both ways';
    return null;
  };
}

interface Case {
  id: string;
  title: string;
  run(port: number, mode: DeflateMode): Promise<string | null>;
}

const cases: Case[] = [];
CORPORA.forEach((corpus, c) => {
  SIZES.forEach(({ size, fragment }, i) => {
    const messages = Array.from({ length: count(size) }, () => corpus.make(size));
    cases.push({
      id: `12.${c + 1}.${i + 1}`,
      title: `${corpus.name}: ${messages.length} messages of ${size} B${fragment ? `, in ${fragment}-byte frames` : ''}`,
      run: (port, mode) => echoCase(port, BROWSER_OFFER, messages, corpus.opcode, fragment, honours([false, 0], mode)),
    });
  });
});
OFFERS_13.forEach((offers, o) => {
  SIZES.forEach(({ size, fragment }, i) => {
    const messages = Array.from({ length: count(size) }, () => CORPORA[0].make(size));
    cases.push({
      id: `13.${o + 1}.${i + 1}`,
      title: `offer ${offers.map(formatOffer).join(', ')}: ${messages.length} messages of ${size} B${fragment ? `, in ${fragment}-byte frames` : ''}`,
      run: (port, mode) => echoCase(port, offers.map(formatOffer).join(', '), messages, TEXT, fragment, honours(offers[0], mode)),
    });
  });
});

const servers = new Map<DeflateMode, { server: WebSocketServer; port: number }>();
const results = new CaseTally();

beforeAll(async () => {
  for (const mode of MODES) servers.set(mode, await echoServer({ perMessageDeflate: { mode, threshold: 0 } }));
});

afterAll(async () => {
  for (const { server } of servers.values()) await closeServer(server);
  console.log(results.summary('Autobahn-style permessage-deflate conformance of the echo server'));
});

for (const mode of MODES) {
  for (const category of ['12', '13']) {
    describe(`${mode} mode, category ${category}`, () => {
      for (const c of cases.filter((x) => x.id.startsWith(`${category}.`))) {
        test(`${c.id} ${c.title}`, async () => {
          const problem = await c.run(servers.get(mode)!.port, mode);
          results.record(`${mode} ${category}`, c.id, problem);
          expect(problem).toBeNull();
        }, 30_000);
      }
    });
  }
}

/** Sends `frames` on a connection that agreed `offer`; the server must echo `before`, then close with `code` and end TCP. */
async function violation(port: number, frames: Buffer[], code: number, before: Buffer[] = []): Promise<string | null> {
  const f = await Fuzzer.open(port, `Sec-WebSocket-Extensions: ${BROWSER_OFFER}\r\n`);
  try {
    const a = agreed(f.response);
    if (a === undefined) return 'permessage-deflate was not agreed';
    f.send(Buffer.concat(frames));
    if (!(await f.until(() => f.closed, 10_000))) return 'the server did not close the TCP connection';
    const echoes = inflatedMessages(f, a).map(([, , data]) => data);
    if (echoes.length !== before.length || echoes.some((e, i) => !e.equals(before[i]))) return `expected ${before.length} echoes before the close, got ${echoes.length}`;
    const closes = f.closeFrames();
    const got = closes.map((c) => (c.payload.length >= 2 ? c.payload.readUInt16BE(0) : null));
    return closes.length === 1 && got[0] === code ? null : `expected one close frame with ${code}, got ${JSON.stringify(got)}`;
  } finally {
    f.destroy();
  }
}

/** One raw DEFLATE message as the client sends it (no context takeover: the offer's answer has none in shared mode, and a first message has no history). */
const deflated = (data: Buffer) => zlib.deflateRawSync(data, SYNC).subarray(0, -TRAILER.length);

describe.each(MODES)('violations over the wire, %s mode', (mode) => {
  const ok = Buffer.from('fine');
  const port = () => servers.get(mode)!.port;

  test('RSV1 on a ping: 1002', async () => {
    expect(await violation(port(), [frame(TEXT, deflated(ok), { rsv: RSV1 }), frame(PING, 'x', { rsv: RSV1 })], 1002, [ok])).toBeNull();
  });

  test('RSV1 on a close frame: 1002', async () => {
    expect(await violation(port(), [frame(CLOSE, closePayload(1000), { rsv: RSV1 })], 1002)).toBeNull();
  });

  test('RSV1 on a continuation frame: 1002', async () => {
    const payload = deflated(Buffer.from('a fragmented message'));
    expect(await violation(port(), [frame(TEXT, payload.subarray(0, 4), { rsv: RSV1, fin: false }), frame(0, payload.subarray(4), { rsv: RSV1 })], 1002)).toBeNull();
  });

  test('invalid DEFLATE data: 1007, after the message before it', async () => {
    // 0xff starts a block of the reserved type 3; 01 05 00 00 00 is a stored block whose NLEN is not ~LEN.
    for (const bad of [[0xff, 0xff, 0xff], [0x01, 0x05, 0x00, 0x00, 0x00]]) {
      expect(await violation(port(), [frame(BINARY, deflated(ok), { rsv: RSV1 }), frame(BINARY, Buffer.from(bad), { rsv: RSV1 })], 1007, [ok])).toBeNull();
    }
  });

  test('an empty compressed payload is an empty message, and a kept inflater stays in step (RFC 7692 §7.2.3.6)', async () => {
    // The browser's offer: in dedicated mode the server keeps the client's context, so the message after the
    // empty ones refers back to the one before them. 0x00 is how RFC 7692 writes an empty message, no bytes how
    // some senders do; the trailer alone is an unfinished stored block, which must not reach the inflater.
    const f = await Fuzzer.open(port(), `Sec-WebSocket-Extensions: ${BROWSER_OFFER}\r\n`);
    try {
      const a = agreed(f.response)!;
      const messages = [Buffer.from('hello hello hello'), Buffer.from(''), Buffer.from(''), Buffer.from('hello again, hello hello')];
      const both = compressedFrames([messages[0], messages[3]], TEXT, a, 0);
      const firstLength = compressedFrames([messages[0]], TEXT, a, 0).length;
      f.send(Buffer.concat([both.subarray(0, firstLength), frame(TEXT, Buffer.alloc(0), { rsv: RSV1 }), frame(TEXT, Buffer.from([0x00]), { rsv: RSV1 }), both.subarray(firstLength)]));
      expect(await f.until(() => f.frames.filter((fr) => fr.fin && fr.opcode < CLOSE).length >= messages.length || f.closed)).toBe(true);
      expect(f.closeFrames()).toEqual([]);
      // The server's empty echoes are compressed too (threshold 0), as the one byte 0x00.
      expect(f.frames.filter((fr) => fr.opcode < CLOSE).map((fr) => fr.payload.toString('hex'))[1]).toBe('00');
      expect(inflatedMessages(f, a).map(([op, compressed, data]) => [op, compressed, data.toString()])).toEqual(messages.map((m) => [TEXT, true, m.toString()]));
    } finally {
      f.destroy();
    }
  });

  test('compressed invalid UTF-8 text: 1007; the same bytes as binary are echoed', async () => {
    const invalid = Buffer.concat([Buffer.from('κόσμε'.repeat(200)), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('tail')]);
    expect(await violation(port(), [frame(BINARY, deflated(invalid), { rsv: RSV1 }), frame(TEXT, deflated(invalid), { rsv: RSV1 })], 1007, [invalid])).toBeNull();
    // Split inside the compressed payload, in two frames.
    const payload = deflated(invalid);
    expect(await violation(port(), [frame(TEXT, payload.subarray(0, 10), { rsv: RSV1, fin: false }), frame(0, payload.subarray(10))], 1007)).toBeNull();
  });
});

describe('a zip bomb over the wire', () => {
  // 200 MiB of zeros compress to about 200 KiB.
  const bomb = deflated(Buffer.alloc(200 * 1024 * 1024));

  test.each(MODES)('%s mode: 1009 at maxPayload (1 MiB), RSS bounded, other connections unaffected', async (mode) => {
    expect(bomb.length).toBeLessThan(256 * 1024);
    const { server, port } = await echoServer({ perMessageDeflate: { mode, threshold: 0 }, maxPayload: 1024 * 1024 });
    try {
      const bystander = await Fuzzer.open(port, `Sec-WebSocket-Extensions: ${BROWSER_OFFER}\r\n`);
      const before = process.memoryUsage().rss;
      expect(await violation(port, [frame(BINARY, bomb, { rsv: RSV1 })], 1009)).toBeNull();
      const grown = process.memoryUsage().rss - before;
      console.log(`zip bomb, ${mode} mode: RSS grew ${(grown / 2 ** 20).toFixed(1)} MiB`);
      // Inflating it whole would take 200 MiB; the engine stops after maxPayload + one 64 KiB piece.
      expect(grown).toBeLessThan(48 * 1024 * 1024);
      bystander.send(frame(TEXT, deflated(Buffer.from('still here')), { rsv: RSV1 }));
      expect(await bystander.until(() => bystander.frames.length > 0)).toBe(true);
      expect(inflatedMessages(bystander, agreed(bystander.response)!)[0][2].toString()).toBe('still here');
      bystander.destroy();
    } finally {
      await closeServer(server);
    }
  });
});

describe.each(MODES)('12.x corpora the other way: wsframe client (%s mode) against a ws echo server', (mode) => {
  test.each(CORPORA.map((c) => [c.name, c] as const))('%s: every size, whole and sent in 256-byte fragments', async (_, corpus) => {
    const { server, url } = await wsServer({ perMessageDeflate: { threshold: 0 } });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    server.on('connection', (ws: any) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
    try {
      const client = new WebSocket(url, { perMessageDeflate: { mode, threshold: 0 } });
      const received: Buffer[] = [];
      client.on('message', (data) => received.push(Buffer.from(data as Buffer)));
      await next(client, 'open');
      expect(client.extensions).toMatch(/^permessage-deflate/);
      const binary = corpus.opcode === BINARY;
      const expected: Buffer[] = [];
      for (const { size, fragment } of SIZES) {
        const data = corpus.make(size);
        expected.push(data);
        if (!fragment) client.send(data, { binary });
        // Each fragment is compressed on its own flush, continuing the message's stream.
        else for (let at = 0; at < size; at += fragment) client.send(data.subarray(at, at + fragment), { binary, fin: at + fragment >= size });
      }
      const deadline = Date.now() + 20_000;
      while (received.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(received.length).toBe(expected.length);
      received.forEach((got, i) => expect(got.equals(expected[i]), `message ${i}`).toBe(true));
      client.close();
      await next(client, 'close');
    } finally {
      await closeServer(server);
    }
  });
});
