/**
 * Autobahn|Testsuite-style conformance of the echo server (`wsframe echo`'s
 * logic), fuzzing-client categories 1–7, 9 and 10, each case on its own
 * connection. A case is OK when the server echoes exactly the expected
 * messages and pongs and then closes as expected: one close frame with the
 * expected code (1002/1007 for violations, or the normal closing handshake),
 * followed by the server closing TCP.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AddressInfo } from 'node:net';
import { createEchoServer, type WebSocketServer } from '../../src/server/index.js';
import { CaseTally, Fuzzer, closePayload, frame, sleep } from './fuzzer.js';
import { bytes, closeServer } from './helpers.js';

const TEXT = 1;
const BINARY = 2;
const CLOSE = 8;
const PING = 9;
const PONG = 10;

interface Case {
  id: string;
  title: string;
  /** Sends the case's frames. */
  run(f: Fuzzer): Promise<void> | void;
  /** Messages the server must echo, in order. */
  echo?: [number, Buffer | string][];
  /** Pong payloads the server must send, in order. */
  pongs?: (Buffer | string)[];
  /** The server must fail the connection with this code; otherwise the checker closes normally (1000). */
  fail?: number;
  /** The case closes by itself; the server's close frame must carry this code (null: no body). */
  closeCode?: number | null;
  timeout?: number;
}

const cases: Case[] = [];
const add = (c: Case): void => void cases.push(c);
const txt = (s: string | Buffer, spec = {}) => frame(TEXT, s, spec);
const bin = (b: Buffer, spec = {}) => frame(BINARY, b, spec);
const ping = (s: string | Buffer = '', spec = {}) => frame(PING, s, spec);
const pong = (s: string | Buffer = '', spec = {}) => frame(PONG, s, spec);
const cont = (s: string | Buffer, spec = {}) => frame(0, s, spec);
const close = (code?: number, reason: string | Buffer = '', spec = {}) => frame(CLOSE, code === undefined ? '' : closePayload(code, reason), spec);
const star = (n: number) => '*'.repeat(n);

// 1 Framing: text and binary messages at every length encoding edge; whole and chopped.
[0, 125, 126, 127, 128, 65535, 65536].forEach((n, i) => {
  add({ id: `1.1.${i + 1}`, title: `text, ${n} bytes`, run: (f) => f.send(txt(star(n))), echo: [[TEXT, star(n)]] });
  add({ id: `1.2.${i + 1}`, title: `binary, ${n} bytes`, run: (f) => f.send(bin(bytes(n))), echo: [[BINARY, bytes(n)]] });
});
add({ id: '1.1.8', title: 'text, 65536 bytes, chopped into 997-byte chunks', run: (f) => f.sendChopped(txt(star(65536)), 997), echo: [[TEXT, star(65536)]] });
add({ id: '1.2.8', title: 'binary, 65536 bytes, chopped into 997-byte chunks', run: (f) => f.sendChopped(bin(bytes(65536)), 997), echo: [[BINARY, bytes(65536)]] });

// 2 Ping/pong.
add({ id: '2.1', title: 'ping without payload', run: (f) => f.send(ping()), pongs: [''] });
add({ id: '2.2', title: 'ping with text payload', run: (f) => f.send(ping('Hello, world!')), pongs: ['Hello, world!'] });
add({ id: '2.3', title: 'ping with binary payload', run: (f) => f.send(ping(Buffer.from([0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff]))), pongs: [Buffer.from([0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff])] });
add({ id: '2.4', title: 'ping with 125-byte payload', run: (f) => f.send(ping(bytes(125))), pongs: [bytes(125)] });
add({ id: '2.5', title: 'ping with 126-byte payload', run: (f) => f.send(ping(bytes(126))), fail: 1002 });
add({ id: '2.6', title: 'ping with 125-byte payload, sent in 1-byte chunks', run: (f) => f.sendChopped(ping(bytes(125)), 1), pongs: [bytes(125)] });
add({ id: '2.7', title: 'unsolicited pong without payload', run: (f) => f.send(pong()) });
add({ id: '2.8', title: 'unsolicited pong with payload', run: (f) => f.send(pong('unsolicited')) });
add({ id: '2.9', title: 'unsolicited pong, then ping', run: (f) => f.send(Buffer.concat([pong('unsolicited'), ping('solicited')])), pongs: ['solicited'] });
add({ id: '2.10', title: '10 pings', run: (f) => f.send(Buffer.concat(Array.from({ length: 10 }, (_, i) => ping(`p${i}`)))), pongs: Array.from({ length: 10 }, (_, i) => `p${i}`) });
add({ id: '2.11', title: '10 pings, each chopped into 1-byte chunks', run: async (f) => { for (let i = 0; i < 10; i++) await f.sendChopped(ping(`p${i}`), 1); }, pongs: Array.from({ length: 10 }, (_, i) => `p${i}`) });

// 3 Reserved bits: fail, after echoing what came before, before answering what comes after.
add({ id: '3.1', title: 'text with RSV1', run: (f) => f.send(txt('Hello', { rsv: 4 })), fail: 1002 });
add({ id: '3.2', title: 'text, text with RSV2, ping', run: (f) => f.send(Buffer.concat([txt('Hello'), txt('Hello', { rsv: 2 }), ping()])), echo: [[TEXT, 'Hello']], fail: 1002 });
add({ id: '3.3', title: 'text, text with RSV3, ping; chopped', run: (f) => f.sendChopped(Buffer.concat([txt('Hello'), txt('Hello', { rsv: 1 }), ping()]), 1), echo: [[TEXT, 'Hello']], fail: 1002 });
add({ id: '3.4', title: 'text, text with RSV1+RSV2, ping; slow', run: async (f) => { f.send(txt('Hello')); await sleep(20); f.send(txt('Hello', { rsv: 6 })); await sleep(20); f.send(ping()); }, echo: [[TEXT, 'Hello']], fail: 1002 });
add({ id: '3.5', title: 'binary with RSV1+RSV3', run: (f) => f.send(bin(bytes(8), { rsv: 5 })), fail: 1002 });
add({ id: '3.6', title: 'ping with RSV2+RSV3', run: (f) => f.send(ping('Hello', { rsv: 3 })), fail: 1002 });
add({ id: '3.7', title: 'close with all RSV bits', run: (f) => f.send(close(1000, '', { rsv: 7 })), fail: 1002 });

// 4 Opcodes: reserved non-control (3–7) and control (11–15).
[3, 4, 5, 6, 7].forEach((op, i) => {
  const payload = i % 2 === 0 ? '' : 'reserved';
  add({ id: `4.1.${i + 1}`, title: `text, reserved opcode ${op}, ping`, run: (f) => f.send(Buffer.concat([txt('Hello'), frame(op, payload), ping()])), echo: [[TEXT, 'Hello']], fail: 1002 });
});
[11, 12, 13, 14, 15].forEach((op, i) => {
  const payload = i % 2 === 0 ? '' : 'reserved';
  add({ id: `4.2.${i + 1}`, title: `text, reserved opcode ${op}, ping`, run: (f) => f.send(Buffer.concat([txt('Hello'), frame(op, payload), ping()])), echo: [[TEXT, 'Hello']], fail: 1002 });
});

// 5 Fragmentation.
add({ id: '5.1', title: 'fragmented ping', run: (f) => f.send(Buffer.concat([ping('frag1', { fin: false }), cont('frag2')])), fail: 1002 });
add({ id: '5.2', title: 'fragmented pong', run: (f) => f.send(Buffer.concat([pong('frag1', { fin: false }), cont('frag2')])), fail: 1002 });
add({ id: '5.3', title: 'text in 2 fragments', run: (f) => f.send(Buffer.concat([txt('frag1', { fin: false }), cont('frag2')])), echo: [[TEXT, 'frag1frag2']] });
add({ id: '5.4', title: 'text in 2 fragments, chopped', run: (f) => f.sendChopped(Buffer.concat([txt('frag1', { fin: false }), cont('frag2')]), 1), echo: [[TEXT, 'frag1frag2']] });
add({ id: '5.5', title: 'text in 2 fragments, slow', run: async (f) => { f.send(txt('frag1', { fin: false })); await sleep(20); f.send(cont('frag2')); }, echo: [[TEXT, 'frag1frag2']] });
const pingInside = (chopped: number) => async (f: Fuzzer) => {
  const data = Buffer.concat([txt('frag1', { fin: false }), ping('pongme'), cont('frag2')]);
  if (chopped) await f.sendChopped(data, chopped);
  else f.send(data);
};
add({ id: '5.6', title: 'text in 2 fragments, ping in between', run: pingInside(0), echo: [[TEXT, 'frag1frag2']], pongs: ['pongme'] });
add({ id: '5.7', title: 'text in 2 fragments, ping in between, chopped', run: pingInside(3), echo: [[TEXT, 'frag1frag2']], pongs: ['pongme'] });
add({ id: '5.8', title: 'text in 2 fragments, ping in between, 1-byte chunks', run: pingInside(1), echo: [[TEXT, 'frag1frag2']], pongs: ['pongme'] });
const orphan = (fin: boolean, chopped: number) => async (f: Fuzzer) => {
  const data = Buffer.concat([cont('non-continuation payload', { fin }), txt('Hello, world!')]);
  if (chopped) await f.sendChopped(data, chopped);
  else f.send(data);
};
add({ id: '5.9', title: 'continuation (FIN) without a message', run: orphan(true, 0), fail: 1002 });
add({ id: '5.10', title: 'continuation (FIN) without a message, chopped', run: orphan(true, 3), fail: 1002 });
add({ id: '5.11', title: 'continuation (FIN) without a message, 1-byte chunks', run: orphan(true, 1), fail: 1002 });
add({ id: '5.12', title: 'continuation (no FIN) without a message', run: orphan(false, 0), fail: 1002 });
add({ id: '5.13', title: 'continuation (no FIN) without a message, chopped', run: orphan(false, 3), fail: 1002 });
add({ id: '5.14', title: 'continuation (no FIN) without a message, 1-byte chunks', run: orphan(false, 1), fail: 1002 });
add({ id: '5.15', title: 'complete message, then a continuation and a new message', run: (f) => f.send(Buffer.concat([txt('fragment1', { fin: false }), cont('fragment2'), cont('fragment3', { fin: false }), txt('fragment4')])), echo: [[TEXT, 'fragment1fragment2']], fail: 1002 });
add({ id: '5.16', title: 'continuation (no FIN), text, repeated', run: (f) => f.send(Buffer.concat([cont('fragment1', { fin: false }), txt('fragment2', { fin: false }), cont('fragment3')])), fail: 1002 });
add({ id: '5.17', title: 'continuation (FIN), text, repeated', run: (f) => f.send(Buffer.concat([cont('fragment1'), txt('fragment2', { fin: false }), cont('fragment3')])), fail: 1002 });
add({ id: '5.18', title: 'text (no FIN), then a new text frame', run: (f) => f.send(Buffer.concat([txt('fragment1', { fin: false }), txt('fragment2')])), fail: 1002 });
const fiveFragments = (chopped: number) => async (f: Fuzzer) => {
  const frames = [txt('fragment1', { fin: false }), cont('fragment2', { fin: false }), ping('pongme 1!'), cont('fragment3', { fin: false }), cont('fragment4', { fin: false }), ping('pongme 2!'), cont('fragment5')];
  for (const fr of frames) {
    if (chopped) await f.sendChopped(fr, chopped);
    else f.send(fr);
    await sleep(5);
  }
};
add({ id: '5.19', title: 'text in 5 fragments with 2 pings in between, slow', run: fiveFragments(0), echo: [[TEXT, 'fragment1fragment2fragment3fragment4fragment5']], pongs: ['pongme 1!', 'pongme 2!'] });
add({ id: '5.20', title: 'text in 5 fragments with 2 pings in between, chopped, slow', run: fiveFragments(1), echo: [[TEXT, 'fragment1fragment2fragment3fragment4fragment5']], pongs: ['pongme 1!', 'pongme 2!'] });

// 6 UTF-8.
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const kosme = hex('cebae1bdb9cf83cebcceb5');
add({ id: '6.1.1', title: 'empty text message', run: (f) => f.send(txt('')), echo: [[TEXT, '']] });
add({ id: '6.1.2', title: 'text in 3 empty fragments', run: (f) => f.send(Buffer.concat([txt('', { fin: false }), cont('', { fin: false }), cont('')])), echo: [[TEXT, '']] });
add({ id: '6.1.3', title: 'empty fragments around a non-empty one', run: (f) => f.send(Buffer.concat([txt('', { fin: false }), cont('middle', { fin: false }), cont('')])), echo: [[TEXT, 'middle']] });
const validTexts: [string, Buffer][] = [
  ['Hello-µ@ßöäüàá-UTF-8!!', Buffer.from('Hello-µ@ßöäüàá-UTF-8!!')],
  ['κόσμε', kosme],
  ['first 1/2/3/4-byte sequences', hex('00 c280 e0a080 f0908080')],
  ['last 1/2/3/4-byte sequences', hex('7f dfbf efbfbf f48fbfbf')],
  ['U+D7FF, U+E000, U+FFFD, U+10FFFF', hex('ed9fbf ee8080 efbfbd f48fbfbf')],
  ['noncharacters U+FFFE, U+FFFF, U+FDD0', hex('efbfbe efbfbf efb790')],
];
validTexts.forEach(([name, data], i) => {
  add({ id: `6.2.${i + 1}`, title: `valid: ${name}, split into 1-byte fragments`, run: (f) => f.send(Buffer.concat([...data].map((b, j) => (j === 0 ? txt(Buffer.from([b]), { fin: data.length === 1 }) : cont(Buffer.from([b]), { fin: j === data.length - 1 }))))), echo: [[TEXT, data]] });
  add({ id: `6.5.${i + 1}`, title: `valid: ${name}`, run: (f) => f.send(txt(data)), echo: [[TEXT, data]] });
});
const invalidTexts: [string, string][] = [
  ['κόσμε with U+110000', 'cebae1bdb9cf83cebcceb5 f4908080 656469746564'],
  ['lone continuation byte', '80'],
  ['continuation bytes 0x80–0xbf', '808182838485868788898a8b8c8d8e8f'],
  ['lonely start byte', 'c0 20'],
  ['2-byte sequence missing its last byte', 'df'],
  ['3-byte sequence missing its last byte', 'efbf'],
  ['4-byte sequence missing its last byte', 'f48fbf'],
  ['impossible byte 0xfe', 'fe'],
  ['impossible byte 0xff', 'ff'],
  ['overlong "/" in 2 bytes', 'c0af'],
  ['overlong "/" in 3 bytes', 'e080af'],
  ['overlong "/" in 4 bytes', 'f08080af'],
  ['overlong U+07FF in 3 bytes', 'e09fbf'],
  ['overlong U+FFFF in 4 bytes', 'f08fbfbf'],
  ['UTF-16 surrogate U+D800', 'eda080'],
  ['UTF-16 surrogate U+DFFF', 'edbfbf'],
  ['surrogate pair U+D800 U+DC00', 'eda080 edb080'],
  ['5-byte sequence', 'f888808080'],
  ['above U+10FFFF', 'f4908080'],
];
invalidTexts.forEach(([name, h], i) => {
  const data = hex(h);
  add({ id: `6.3.${i + 1}`, title: `invalid: ${name}`, run: (f) => f.send(txt(data)), fail: 1007 });
  add({ id: `6.8.${i + 1}`, title: `invalid: ${name}, 1-byte chunks`, run: (f) => f.sendChopped(txt(data), 1), fail: 1007 });
  add({ id: `6.9.${i + 1}`, title: `invalid: ${name}, after valid text, in 1-byte fragments`, run: (f) => f.send(Buffer.concat([txt('ok'), txt(Buffer.from('x'), { fin: false }), ...[...data].map((b) => cont(Buffer.from([b]), { fin: false })), cont('end')])), echo: [[TEXT, 'ok']], fail: 1007 });
});
// κόσμε cut after every byte: valid exactly at character boundaries.
for (let cut = 1; cut <= kosme.length; cut++) {
  const prefix = kosme.subarray(0, cut);
  const valid = [2, 5, 7, 9, 11].includes(cut);
  add({ id: `6.6.${cut}`, title: `κόσμε cut after ${cut} bytes (${valid ? 'valid' : 'invalid'})`, run: (f) => f.send(txt(prefix)), ...(valid ? { echo: [[TEXT, prefix]] as [number, Buffer][] } : { fail: 1007 }) });
}
// 6.4: fail fast. The close must come after the bad bytes, before the rest of the message is sent.
const failFast = (id: string, title: string, before: Buffer[], after: Buffer[]) =>
  add({
    id, title, fail: 1007,
    run: async (f) => {
      for (const piece of before) {
        f.send(piece);
        await sleep(5);
      }
      const early = await f.until(() => f.closeFrames().length > 0, 1000);
      if (!early) throw new Error('no close frame before the rest of the message was sent');
      for (const piece of after) f.send(piece);
    },
  });
const invalidTail = Buffer.concat([hex('f4908080'), Buffer.from('edited')]);
failFast('6.4.1', 'bad bytes in fragment 2 of 3', [txt(kosme, { fin: false }), cont(hex('f4908080'), { fin: false })], [cont('edited')]);
failFast('6.4.2', 'bad byte starting fragment 2 of 3', [txt(Buffer.concat([kosme, hex('f4')]), { fin: false }), cont(hex('90'), { fin: false })], [cont(Buffer.concat([hex('8080'), Buffer.from('edited')]))]);
const single = txt(Buffer.concat([kosme, invalidTail]));
const headerSize = single.length - kosme.length - invalidTail.length;
failFast('6.4.3', 'bad bytes in chunk 2 of 3 of one frame', [single.subarray(0, headerSize + kosme.length), single.subarray(headerSize + kosme.length, headerSize + kosme.length + 4)], [single.subarray(headerSize + kosme.length + 4)]);
failFast('6.4.4', 'bad byte in chunk 2 of 3 of one frame, split inside the sequence', [single.subarray(0, headerSize + kosme.length + 1), single.subarray(headerSize + kosme.length + 1, headerSize + kosme.length + 2)], [single.subarray(headerSize + kosme.length + 2)]);

// 7 Close handling.
add({ id: '7.1.1', title: 'echo, then a normal close', run: (f) => f.send(txt('Hello World!')), echo: [[TEXT, 'Hello World!']] });
add({ id: '7.1.2', title: 'close twice', run: (f) => f.send(Buffer.concat([close(1000), close(1000)])), closeCode: 1000 });
add({ id: '7.1.3', title: 'ping after close is not answered', run: (f) => f.send(Buffer.concat([close(1000), ping('after')])), closeCode: 1000 });
add({ id: '7.1.4', title: 'text after close is not echoed', run: (f) => f.send(Buffer.concat([close(1000), txt('after')])), closeCode: 1000 });
add({ id: '7.1.5', title: 'close inside a fragmented message', run: (f) => f.send(Buffer.concat([txt('fragment1', { fin: false }), close(1000), cont('fragment2')])), closeCode: 1000 });
add({ id: '7.1.6', title: 'large message, close, ping', run: (f) => f.send(Buffer.concat([txt(star(256 * 1024)), close(1000), ping('after')])), echo: [[TEXT, star(256 * 1024)]], closeCode: 1000 });
add({ id: '7.3.1', title: 'close without payload', run: (f) => f.send(close()), closeCode: null });
add({ id: '7.3.2', title: 'close with a 1-byte payload', run: (f) => f.send(frame(CLOSE, Buffer.from([0x03]))), fail: 1002 });
add({ id: '7.3.3', title: 'close with a code', run: (f) => f.send(close(1000)), closeCode: 1000 });
add({ id: '7.3.4', title: 'close with a code and reason', run: (f) => f.send(close(1000, 'Hello World!')), closeCode: 1000 });
add({ id: '7.3.5', title: 'close with a code and a 123-byte reason', run: (f) => f.send(close(1000, star(123))), closeCode: 1000 });
add({ id: '7.3.6', title: 'close with a code and a 124-byte reason (126-byte payload)', run: (f) => f.send(close(1000, star(124))), fail: 1002 });
add({ id: '7.5.1', title: 'close reason that is not UTF-8', run: (f) => f.send(close(1000, Buffer.concat([kosme, hex('eda080')]))), fail: 1007 });
[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999].forEach((code, i) => {
  add({ id: `7.7.${i + 1}`, title: `valid close code ${code}`, run: (f) => f.send(close(code)), closeCode: code });
});
[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999].forEach((code, i) => {
  add({ id: `7.9.${i + 1}`, title: `invalid close code ${code}`, run: (f) => f.send(close(code)), fail: 1002 });
});
add({ id: '7.13.1', title: 'invalid close code 5000', run: (f) => f.send(close(5000)), fail: 1002 });
add({ id: '7.13.2', title: 'invalid close code 65535', run: (f) => f.send(close(65535)), fail: 1002 });

// 9 Limits and performance (sizes up to 16 MiB; fragmented and chopped).
const MiB = 1024 * 1024;
[64 * 1024, 256 * 1024, MiB, 4 * MiB, 8 * MiB, 16 * MiB].forEach((n, i) => {
  add({ id: `9.1.${i + 1}`, title: `text, ${n} bytes`, run: (f) => f.send(txt(star(n))), echo: [[TEXT, star(n)]], timeout: 30_000 });
  add({ id: `9.2.${i + 1}`, title: `binary, ${n} bytes`, run: (f) => f.send(bin(bytes(n))), echo: [[BINARY, bytes(n)]], timeout: 30_000 });
});
const fragmented = (opcode: number, data: Buffer, size: number) => {
  const frames: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) {
    const piece = data.subarray(at, at + size);
    frames.push(frame(at === 0 ? opcode : 0, piece, { fin: at + size >= data.length }));
  }
  return Buffer.concat(frames);
};
[64, 256, 1024, 4096, 16384, 65536, 262144, MiB, 4 * MiB].forEach((size, i) => {
  const message = Buffer.from(star(4 * MiB));
  add({ id: `9.3.${i + 1}`, title: `4 MiB text in ${size}-byte fragments`, run: (f) => f.send(fragmented(TEXT, message, size)), echo: [[TEXT, message]], timeout: 30_000 });
  const data = bytes(4 * MiB);
  add({ id: `9.4.${i + 1}`, title: `4 MiB binary in ${size}-byte fragments`, run: (f) => f.send(fragmented(BINARY, data, size)), echo: [[BINARY, data]], timeout: 30_000 });
});
[64, 128, 256, 512, 1024, 2048].forEach((chunk, i) => {
  add({ id: `9.5.${i + 1}`, title: `1 MiB text sent in ${chunk}-byte chunks`, run: (f) => f.sendChopped(txt(star(MiB)), chunk * 16), echo: [[TEXT, star(MiB)]], timeout: 30_000 });
  add({ id: `9.6.${i + 1}`, title: `1 MiB binary sent in ${chunk}-byte chunks`, run: (f) => f.sendChopped(bin(bytes(MiB)), chunk * 16), echo: [[BINARY, bytes(MiB)]], timeout: 30_000 });
});
[0, 16, 64, 256, 1024, 4096].forEach((n, i) => {
  const count = 1000;
  add({ id: `9.7.${i + 1}`, title: `${count} text messages of ${n} bytes`, run: (f) => f.send(Buffer.concat(Array.from({ length: count }, () => txt(star(n))))), echo: Array.from({ length: count }, () => [TEXT, star(n)] as [number, string]), timeout: 30_000 });
  add({ id: `9.8.${i + 1}`, title: `${count} binary messages of ${n} bytes`, run: (f) => f.send(Buffer.concat(Array.from({ length: count }, () => bin(bytes(n))))), echo: Array.from({ length: count }, () => [BINARY, bytes(n)] as [number, Buffer]), timeout: 30_000 });
});

// 10 Misc: a 64 KiB text message auto-fragmented into 1300-byte frames.
add({ id: '10.1.1', title: '64 KiB text in 1300-byte fragments', run: (f) => f.send(fragmented(TEXT, Buffer.from(star(65536)), 1300)), echo: [[TEXT, star(65536)]] });

/** Runs one case; returns null when OK, else what went wrong. */
async function check(port: number, c: Case): Promise<string | null> {
  const f = await Fuzzer.open(port);
  try {
    const timeout = c.timeout ?? 5000;
    const echo = (c.echo ?? []).map(([op, d]) => [op, Buffer.from(d)] as [number, Buffer]);
    const pongs = (c.pongs ?? []).map((d) => Buffer.from(d));
    const pongCount = () => f.frames.filter((fr) => fr.opcode === PONG).length;
    await c.run(f);
    let expectedClose: number | null;
    if (c.fail !== undefined) expectedClose = c.fail;
    else if (c.closeCode !== undefined) expectedClose = c.closeCode;
    else {
      await f.until(() => f.messages().length >= echo.length && pongCount() >= pongs.length, timeout);
      f.send(close(1000));
      expectedClose = 1000;
    }
    if (!(await f.until(() => f.closed, timeout))) return 'the server did not close the TCP connection';
    const messages = f.messages();
    if (messages.length !== echo.length) return `expected ${echo.length} echoed messages, got ${messages.length}`;
    for (let i = 0; i < echo.length; i++) {
      if (messages[i][0] !== echo[i][0] || !messages[i][1].equals(echo[i][1])) return `message ${i} differs`;
    }
    const gotPongs = f.frames.filter((fr) => fr.opcode === PONG).map((fr) => fr.payload);
    if (gotPongs.length !== pongs.length || gotPongs.some((p, i) => !p.equals(pongs[i]))) return `expected pongs ${pongs.map(String)}, got ${gotPongs.map(String)}`;
    const closes = f.closeFrames();
    if (closes.length !== 1) return `expected one close frame, got ${closes.length}`;
    if (f.frames[f.frames.length - 1].opcode !== CLOSE) return 'frames after the close frame';
    const body = closes[0].payload;
    const code = body.length === 0 ? null : body.readUInt16BE(0);
    if (code !== expectedClose) return `expected close code ${expectedClose}, got ${code}`;
    return null;
  } finally {
    f.destroy();
  }
}

let server: WebSocketServer;
let port: number;
const results = new CaseTally();

beforeAll(async () => {
  server = createEchoServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await closeServer(server);
  console.log(results.summary('Autobahn-style conformance of the echo server'));
});

const categories = [...new Set(cases.map((c) => c.id.split('.')[0]))];
for (const category of categories) {
  describe(`category ${category}`, () => {
    for (const c of cases.filter((x) => x.id.split('.')[0] === category)) {
      test(`${c.id} ${c.title}`, async () => {
        const problem = await check(port, c);
        results.record(`category ${category}`, c.id, problem);
        expect(problem).toBeNull();
      }, 60_000);
    }
  });
}
