/**
 * The WebSocket class's ws API (ws's doc/ws.md), exercised over loopback
 * against the real ws package: send coercion, ping/pong signatures, ready-state
 * rules, close arguments, pause/resume, binaryType, EventTarget, autoPong,
 * allowSynchronousEvents and the shape of protocol errors.
 */
import { expect, test } from 'vitest';
import { WebSocket } from '../../src/server/index.js';
import { CloseEvent, ErrorEvent, MessageEvent } from '../../src/server/event-target.js';
import { Fuzzer, frame, sleep } from './fuzzer.js';
import { cleanupsAfterEach, closeServer, connectedPair, echoServerUntil, listen, next } from './helpers.js';

const cleanups = cleanupsAfterEach();

/** Collects what `theirs` (a ws socket) receives as [data, isBinary] pairs. */
function inbox(theirs: any): [Buffer, boolean][] {
  const got: [Buffer, boolean][] = [];
  theirs.on('message', (data: Buffer, isBinary: boolean) => got.push([data, isBinary]));
  return got;
}

async function until(condition: () => boolean, timeout = 3000): Promise<void> {
  const end = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

test('send coerces its data as ws does: numbers as text, no data as an empty binary message, arrays and objects through Buffer.from', async () => {
  const { ours, theirs } = await connectedPair(cleanups);
  const got = inbox(theirs);
  ours.send(42);
  ours.send();
  ours.send('');
  ours.send([1, 2, 255]);
  ours.send({ [Symbol.toPrimitive]: () => 'prim' });
  ours.send(new Uint16Array([0x0201]));
  ours.send(new Uint8Array([9, 8, 7]).buffer);
  await until(() => got.length === 7);
  expect(got.map(([data, isBinary]) => [[...data], isBinary])).toEqual([
    [[...Buffer.from('42')], false],
    [[], true],
    [[], false],
    [[1, 2, 255], true],
    [[...Buffer.from('prim')], true],
    [[1, 2], true],
    [[9, 8, 7], true],
  ]);
  expect(() => ours.send({} as never)).toThrow(TypeError);
});

test('ping and pong take (cb), (data, cb) and (data, mask, cb); numbers become text; more than 125 bytes is a RangeError', async () => {
  const { ours, theirs } = await connectedPair(cleanups);
  const pings: string[] = [];
  const pongs: string[] = [];
  theirs.on('ping', (data: Buffer) => pings.push(String(data)));
  theirs.on('pong', (data: Buffer) => pongs.push(String(data)));
  const called: string[] = [];
  ours.ping(() => called.push('ping()'));
  ours.ping('a', () => called.push('ping(data)'));
  ours.ping(7, true, () => called.push('ping(data, mask)'));
  ours.pong(() => called.push('pong()'));
  ours.pong('b', false, () => called.push('pong(data, mask)'));
  await until(() => called.length === 5 && pings.length === 3 && pongs.length >= 2);
  expect(called).toEqual(['ping()', 'ping(data)', 'ping(data, mask)', 'pong()', 'pong(data, mask)']);
  expect(pings).toEqual(['', 'a', '7']);
  expect(pongs).toEqual(['', 'b']);
  expect(() => ours.ping(Buffer.alloc(126))).toThrow(RangeError);
  expect(() => ours.pong('x'.repeat(126))).toThrow('The data size must not be greater than 125 bytes');
});

test('our client gets the pongs of its pings, and the server our unsolicited pongs', async () => {
  const { ours: server, theirs: client } = await connectedPair(cleanups, {}, WebSocket);
  const serverPongs: string[] = [];
  server.on('pong', (data) => serverPongs.push(String(data)));
  const pong = next(client, 'pong');
  client.ping('are you there');
  expect(String((await pong)[0])).toBe('are you there');
  client.pong('unsolicited');
  await until(() => serverPongs.length === 1);
  expect(serverPongs).toEqual(['unsolicited']);
});

test('while connecting, send/ping/pong throw; after the close their callbacks get an error and bufferedAmount counts the data', async () => {
  const s = await echoServerUntil(cleanups);
  const client = new WebSocket(s.url);
  expect(client.readyState).toBe(WebSocket.CONNECTING);
  expect(() => client.send('x')).toThrow('WebSocket is not open: readyState 0 (CONNECTING)');
  expect(() => client.ping()).toThrow('WebSocket is not open: readyState 0 (CONNECTING)');
  expect(() => client.pong()).toThrow('WebSocket is not open: readyState 0 (CONNECTING)');
  await next(client, 'open');
  client.close();
  expect(client.readyState).toBe(WebSocket.CLOSING);
  const closing = await new Promise<Error | undefined>((resolve) => client.send('late', resolve));
  expect(closing?.message).toBe('WebSocket is not open: readyState 2 (CLOSING)');
  await next(client, 'close');
  const errors = await Promise.all([
    new Promise<Error | undefined>((resolve) => client.send('abc', resolve)),
    new Promise<Error | undefined>((resolve) => client.ping(resolve)),
    new Promise<Error | undefined>((resolve) => client.pong('de', resolve)),
  ]);
  for (const error of errors) expect(error?.message).toBe('WebSocket is not open: readyState 3 (CLOSED)');
  expect(client.bufferedAmount).toBe('late'.length + 'abc'.length + 'de'.length);
  expect(() => client.send('no callback')).not.toThrow();
});

test('close validates its code and reason while open, with ws\'s errors', async () => {
  const { ours, theirs } = await connectedPair(cleanups);
  expect(() => ours.close(999)).toThrow(TypeError);
  expect(() => ours.close(1005)).toThrow('First argument must be a valid error code number');
  expect(() => ours.close('1000' as never)).toThrow(TypeError);
  expect(() => ours.close(1000, 'x'.repeat(124))).toThrow(RangeError);
  expect(() => ours.close(1000, 'é'.repeat(62))).toThrow('The message must not be greater than 123 bytes');
  expect(ours.readyState).toBe(WebSocket.OPEN);
  const closed = next(theirs, 'close');
  ours.close(4001, 'x'.repeat(123));
  const [code, reason] = await closed;
  expect(code).toBe(4001);
  expect(String(reason)).toBe('x'.repeat(123));
  // Closing again while closing or closed is a no-op, whatever the arguments.
  expect(() => ours.close(1)).not.toThrow();
});

test('close() and terminate() while connecting abort the handshake: CLOSING at once, then error and close (1006)', async () => {
  const s = await echoServerUntil(cleanups);
  for (const method of ['close', 'terminate'] as const) {
    const client = new WebSocket(s.url);
    const events: string[] = [];
    client.on('open', () => events.push('open'));
    client.on('error', (error) => events.push(`error: ${error.message}`));
    const closed = next(client, 'close');
    client[method]();
    expect(client.readyState).toBe(WebSocket.CLOSING);
    expect(events).toEqual([]); // nothing synchronously
    const [code] = await closed;
    expect(code).toBe(1006);
    expect(client.readyState).toBe(WebSocket.CLOSED);
    expect(events).toEqual(['error: WebSocket was closed before the connection was established']);
  }
});

test('pause() and resume() set isPaused; both do nothing while connecting', async () => {
  const { ours, theirs } = await connectedPair(cleanups);
  expect(ours.isPaused).toBe(false);
  ours.pause();
  expect(ours.isPaused).toBe(true);
  const got: string[] = [];
  ours.on('message', (data) => got.push(String(data)));
  theirs.send('held');
  await sleep(50);
  expect(got).toEqual([]);
  ours.resume();
  expect(ours.isPaused).toBe(false);
  await until(() => got.length === 1);
  const s = await echoServerUntil(cleanups);
  const client = new WebSocket(s.url);
  cleanups.push(() => client.terminate());
  client.pause();
  expect(client.isPaused).toBe(false);
  await next(client, 'open');
});

test("binaryType: 'nodebuffer' by default, 'arraybuffer', 'fragments' and 'blob' change binary messages only; other values are ignored", async () => {
  const { ours, theirs } = await connectedPair(cleanups);
  expect(ours.binaryType).toBe('nodebuffer');
  ours.binaryType = 'bogus' as never;
  expect(ours.binaryType).toBe('nodebuffer');
  const got: [unknown, boolean][] = [];
  ours.on('message', (data: unknown, isBinary: boolean) => got.push([data, isBinary]));
  const bytes = Buffer.from([1, 2, 3, 4]);
  for (const type of ['nodebuffer', 'arraybuffer', 'fragments', 'blob'] as const) {
    ours.binaryType = type;
    expect(ours.binaryType).toBe(type);
    theirs.send(bytes);
    theirs.send('text');
    await until(() => got.length === 2);
    const [[binary, isBinary], [text, textIsBinary]] = got.splice(0);
    expect(isBinary).toBe(true);
    expect(textIsBinary).toBe(false);
    expect(Buffer.isBuffer(text) && String(text)).toBe('text');
    if (type === 'nodebuffer') expect(Buffer.isBuffer(binary) && [...(binary as Buffer)]).toEqual([1, 2, 3, 4]);
    if (type === 'arraybuffer') {
      expect(binary).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(binary as ArrayBuffer)]).toEqual([1, 2, 3, 4]);
    }
    if (type === 'fragments') {
      expect(Array.isArray(binary)).toBe(true);
      expect(Buffer.concat(binary as Buffer[]).equals(bytes)).toBe(true);
    }
    if (type === 'blob') {
      expect(binary).toBeInstanceOf(Blob);
      expect([...new Uint8Array(await (binary as Blob).arrayBuffer())]).toEqual([1, 2, 3, 4]);
    }
  }
});

test('EventTarget: on<event> attributes, addEventListener (once, handleEvent objects, no duplicates), removeEventListener, ws\'s event classes', async () => {
  const s = await echoServerUntil(cleanups);
  const client = new WebSocket(s.url);
  const log: string[] = [];
  const onopen = (event: { type: string; target: unknown }) => {
    log.push(`open ${event.type} ${event.target === client}`);
    client.send('hello');
    client.send(Buffer.from([5]));
  };
  client.onopen = onopen;
  expect(client.onopen).toBe(onopen);
  const messages: MessageEvent[] = [];
  const onMessage = (event: MessageEvent) => messages.push(event);
  client.addEventListener('message', onMessage);
  client.addEventListener('message', onMessage); // added once
  const once = { handleEvent: (event: MessageEvent) => log.push(`once ${String(event.data)}`) };
  client.addEventListener('message', once, { once: true });
  const removed = () => log.push('removed listener ran');
  client.addEventListener('message', removed);
  client.removeEventListener('message', removed);
  client.addEventListener('unknown-type', () => log.push('never'));
  const closeEvent = new Promise<CloseEvent>((resolve) => (client.onclose = resolve));
  await until(() => messages.length === 2);
  expect(messages[0]).toBeInstanceOf(MessageEvent);
  expect(messages[0].data).toBe('hello'); // text: a string
  expect(Buffer.isBuffer(messages[1].data) && [...(messages[1].data as Buffer)]).toEqual([5]);
  expect(log).toEqual([`open open true`, 'once hello']);
  client.onopen = null;
  expect(client.onopen).toBe(null);
  expect(client.listenerCount('open')).toBe(0);
  client.close(4000, 'bye');
  const event = await closeEvent;
  expect(event).toBeInstanceOf(CloseEvent);
  expect([event.type, event.code, event.reason, event.wasClean]).toEqual(['close', 4000, 'bye', true]);
});

test('onerror gets an ErrorEvent; an unclean close says wasClean false', async () => {
  const client = new WebSocket('ws://127.0.0.1:1'); // nothing listens there
  const error = new Promise<ErrorEvent>((resolve) => (client.onerror = resolve));
  const close = new Promise<CloseEvent>((resolve) => client.addEventListener('close', resolve));
  const event = await error;
  expect(event).toBeInstanceOf(ErrorEvent);
  expect(event.error).toBeInstanceOf(Error);
  expect(event.message).toBe((event.error as Error).message);
  const closed = await close;
  expect([closed.code, closed.wasClean]).toEqual([1006, false]);
});

test('autoPong: true answers pings, false leaves them to the listener', async () => {
  for (const autoPong of [true, false]) {
    const s = await echoServerUntil(cleanups, { autoPong });
    const peer = await Fuzzer.open(s.port);
    cleanups.push(() => peer.destroy());
    // The echo comes in the same write as any pong: when it is here, a pong would be too.
    peer.send(Buffer.concat([frame(9, 'p'), frame(1, 'after')]));
    expect(await peer.until(() => peer.messages().length === 1)).toBe(true);
    expect(peer.frames.filter((f) => f.opcode === 10).map((f) => String(f.payload))).toEqual(autoPong ? ['p'] : []);
  }
});

test('allowSynchronousEvents: true delivers a read\'s messages in one tick; false gives each its own macrotask, in order with the close', async () => {
  for (const allowSynchronousEvents of [true, false]) {
    const s = await listen({ allowSynchronousEvents });
    cleanups.push(() => closeServer(s.server));
    const log: string[] = [];
    s.server.on('connection', (ws) => {
      ws.on('message', (data) => {
        log.push(String(data));
        process.nextTick(() => log.push(`tick after ${String(data)}`));
      });
      ws.on('ping', () => log.push('ping'));
      ws.on('close', (code) => log.push(`close ${code}`));
    });
    const peer = await Fuzzer.open(s.port);
    cleanups.push(() => peer.destroy());
    peer.send(Buffer.concat([frame(1, 'a'), frame(1, 'b'), frame(9), frame(8, Buffer.from([0x03, 0xe8]))]));
    await until(() => log.includes('close 1000'));
    expect(log).toEqual(allowSynchronousEvents
      ? ['a', 'b', 'ping', 'tick after a', 'tick after b', 'close 1000']
      : ['a', 'tick after a', 'b', 'tick after b', 'ping', 'close 1000']);
  }
});

test("protocol errors reach 'error' shaped as ws's: RangeError or Error, ws's message, a WS_ERR_* code and the close code", async () => {
  const cases = [
    { bytes: frame(1, 'x', { mask: false }), Class: RangeError, message: 'Invalid WebSocket frame: MASK must be set', code: 'WS_ERR_EXPECTED_MASK', closeCode: 1002 },
    { bytes: frame(1, Buffer.from([0xc3, 0x28])), Class: Error, message: 'Invalid WebSocket frame: invalid UTF-8 sequence', code: 'WS_ERR_INVALID_UTF8', closeCode: 1007 },
    { bytes: frame(0, 'x'), Class: RangeError, message: 'Invalid WebSocket frame: invalid opcode 0', code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
    // The reserved opcode is named, also when the frame's header arrives in two reads (the split-header path).
    { bytes: frame(5, 'x'), Class: RangeError, message: 'Invalid WebSocket frame: invalid opcode 5', code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
    { bytes: frame(0xb, ''), split: 1, Class: RangeError, message: 'Invalid WebSocket frame: invalid opcode 11', code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
    { bytes: Buffer.concat([frame(1, 'a', { fin: false }), frame(2, 'b')]), Class: RangeError, message: 'Invalid WebSocket frame: invalid opcode 2', code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 },
    { bytes: frame(9, 'x', { fin: false }), Class: RangeError, message: 'Invalid WebSocket frame: FIN must be set', code: 'WS_ERR_EXPECTED_FIN', closeCode: 1002 },
    { bytes: frame(2, Buffer.alloc(200)), Class: RangeError, message: 'Max payload size exceeded', code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', closeCode: 1009 },
  ];
  const s = await listen({ maxPayload: 100 });
  cleanups.push(() => closeServer(s.server));
  for (const c of cases) {
    const accepted = next(s.server, 'connection');
    const peer = await Fuzzer.open(s.port);
    cleanups.push(() => peer.destroy());
    const [ws] = (await accepted) as [WebSocket];
    const failed = next(ws, 'error');
    if (c.split === undefined) peer.send(c.bytes);
    else {
      peer.send(c.bytes.subarray(0, c.split));
      await sleep(20);
      peer.send(c.bytes.subarray(c.split));
    }
    const [error] = await failed;
    expect(error).toBeInstanceOf(c.Class);
    if (c.Class === Error) expect(error).not.toBeInstanceOf(RangeError);
    expect([error.message, error.code, error.closeCode]).toEqual([c.message, c.code, c.closeCode]);
    expect(await peer.until(() => peer.closed)).toBe(true);
    expect(peer.closeFrames()[0].payload.readUInt16BE(0)).toBe(c.closeCode);
  }
});

test('constructors called wrongly throw TypeErrors that say what is wrong', () => {
  expect(() => new WebSocket(42 as never)).toThrow(/address must be a string or a URL, got number/);
  expect(() => new WebSocket({} as never)).toThrow(TypeError);
  expect(() => new WebSocket('ws://127.0.0.1:1', 5 as never)).toThrow(/protocols must be a string or an array of strings, got number/);
  expect(() => new WebSocket('ws://127.0.0.1:1', [], 'options' as never)).toThrow(/options must be an object, got string/);
  expect(() => new WebSocket('ws://127.0.0.1:1', {}, {})).toThrow(TypeError);
});

test('skipUTF8Validation: invalid text reaches the listener (default: closed with 1007)', async () => {
  for (const skipUTF8Validation of [true, false]) {
    const s = await echoServerUntil(cleanups, { skipUTF8Validation });
    const peer = await Fuzzer.open(s.port);
    cleanups.push(() => peer.destroy());
    const invalid = Buffer.from([0x61, 0xff, 0xfe, 0x62]);
    peer.send(frame(1, invalid));
    if (skipUTF8Validation) {
      expect(await peer.until(() => peer.messages().length === 1)).toBe(true);
      expect(peer.messages()[0][1].equals(invalid)).toBe(true);
    } else {
      expect(await peer.until(() => peer.closed)).toBe(true);
      expect(peer.closeFrames()[0].payload.readUInt16BE(0)).toBe(1007);
    }
  }
});
