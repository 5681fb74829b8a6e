/**
 * What an idle connection holds was cut (bench/echo.bench.mjs, idle memory):
 * the WebSocket's listener table is a fast-mode object instead of EventEmitter's
 * dictionary, the outgoing message sequence is made at the first send, and the
 * options resolved are shared while they do not change. These check that
 * behaviour is unchanged: events, the first fragmented send, per-server limits,
 * and a change to `server.options` reaching later connections, as in ws.
 */
import { describe, expect, test } from 'vitest';
import type { WebSocket } from '../../src/server/index.js';
import { WS, cleanupsAfterEach, closeServer, listen, next } from './helpers.js';

const cleanups = cleanupsAfterEach();

/** A server (closed after the test), a ws client connected to it, and the server side of that connection. */
async function connected(options: Parameters<typeof listen>[0] = {}): Promise<{ ws: WebSocket; client: typeof WS }> {
  const { server, url } = await listen(options);
  cleanups.push(() => closeServer(server));
  const accepted = next(server, 'connection');
  const client = new WS(url);
  cleanups.push(() => client.terminate());
  const [ws] = await accepted;
  await next(client, 'open');
  return { ws, client };
}

describe('the listener table', () => {
  test('listeners are added, counted, listed, removed, and once works, as on any EventEmitter', async () => {
    const { ws } = await connected();
    expect(ws.eventNames()).toEqual([]);
    const a = (): void => {};
    const b = (): void => {};
    ws.on('message', a);
    ws.on('message', b);
    ws.once('ping', a);
    expect(ws.listenerCount('message')).toBe(2);
    expect(ws.eventNames().sort()).toEqual(['message', 'ping']);
    ws.off('message', a);
    expect(ws.listeners('message')).toEqual([b]);
    expect(ws.emit('ping')).toBe(true);
    expect(ws.listenerCount('ping')).toBe(0);
    ws.removeAllListeners('message');
    expect(ws.eventNames()).toEqual([]);
    const symbol = Symbol('event');
    ws.on(symbol, a);
    expect(ws.eventNames()).toEqual([symbol]);
  });

  test('inherits no names: Object.prototype members are no listeners, and an unheard error still throws', async () => {
    const { ws } = await connected();
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(ws.listenerCount(name)).toBe(0);
      expect(ws.emit(name)).toBe(false);
    }
    expect(() => ws.emit('error', new Error('nobody listens'))).toThrow('nobody listens');
  });

  test('a message reaches listeners added on the connection event, before and after others are removed', async () => {
    const { ws, client } = await connected();
    const heard: string[] = [];
    const first = (data: Buffer): void => void heard.push(`first ${data}`);
    ws.on('message', first);
    client.send('one');
    await next(ws, 'message');
    ws.off('message', first);
    ws.on('message', (data: Buffer) => heard.push(`second ${data}`));
    client.send('two');
    await next(ws, 'message');
    expect(heard).toEqual(['first one', 'second two']);
  });
});

describe('made at first use', () => {
  test('the first send may start a fragmented message; its continuation follows', async () => {
    const { ws, client } = await connected();
    const received = next(client, 'message');
    const pieces = ['frag', 'men', 'ted'];
    pieces.forEach((piece, i) => ws.send(piece, { fin: i === pieces.length - 1 }));
    expect((await received).map(String)).toEqual(['fragmented', 'false']);
  });

  test('a connection that never sent anything closes cleanly', async () => {
    const { ws, client } = await connected();
    const closed = next(client, 'close');
    ws.close(4000, 'bye');
    const [code, reason] = await closed;
    expect(code).toBe(4000);
    expect(String(reason)).toBe('bye');
  });
});

describe('options shared by a server\'s connections', () => {
  test('each server\'s connections keep that server\'s limits, and later connections of one server too', async () => {
    const strict = await connected({ maxPayload: 10, autoPong: false });
    const loose = await connected();
    const again = await connected({ maxPayload: 10, autoPong: false });
    // The default server takes 11 bytes; the strict ones close with 1009.
    loose.client.send('eleven byte');
    expect(String((await next(loose.ws, 'message'))[0])).toBe('eleven byte');
    for (const { client } of [strict, again]) {
      const closed = next(client, 'close');
      client.send('eleven byte');
      expect((await closed)[0]).toBe(1009);
    }
    // autoPong: false on one server, the default (true) on the other.
    const pong = next(loose.client, 'pong');
    loose.client.ping('p');
    expect(String((await pong)[0])).toBe('p');
    const third = await connected({ autoPong: false });
    let ponged = false;
    third.client.on('pong', () => (ponged = true));
    third.client.ping('q');
    await next(third.ws, 'ping');
    third.client.send('after');
    await next(third.ws, 'message');
    expect(ponged).toBe(false);
  });

  test('every connection of one server gets its limits (one options object, shared)', async () => {
    const { server, url } = await listen({ maxPayload: 10 });
    cleanups.push(() => closeServer(server));
    for (let i = 0; i < 3; i++) {
      const client = new WS(url);
      cleanups.push(() => client.terminate());
      await next(client, 'open');
      const closed = next(client, 'close');
      client.send('ten bytes!');
      client.send('eleven byte');
      expect((await closed)[0]).toBe(1009);
    }
  });

  test('a change to server.options applies to the connections attached after it, as in ws', async () => {
    const { server, url } = await listen({ maxPayload: 10 });
    cleanups.push(() => closeServer(server));
    const first = new WS(url);
    cleanups.push(() => first.terminate());
    await next(first, 'open');
    server.options.maxPayload = 20;
    const second = new WS(url);
    cleanups.push(() => second.terminate());
    const accepted = next(server, 'connection');
    await next(second, 'open');
    const [ws] = await accepted;
    // The later connection takes 11 bytes under its 20-byte limit; the earlier one keeps its 10.
    second.send('eleven byte');
    expect(String((await next(ws, 'message'))[0])).toBe('eleven byte');
    const closed = next(first, 'close');
    first.send('eleven byte');
    expect((await closed)[0]).toBe(1009);
  });
});
