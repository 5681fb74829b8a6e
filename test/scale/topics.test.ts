/** Topics in one process: subscribe/publish with real ws clients over loopback. */
import { describe, expect, it } from 'vitest';
import { WebSocket, type WebSocketServer } from '../../src/server/index.js';
import { listen, next } from '../server/helpers.js';
import { closedAfterEach, openInbox, until } from './support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = any;

const { servers, clients } = closedAfterEach<WebSocketServer, Client>();

/** A server whose connections subscribe to the topics named in their URL path (/a,b). */
async function topicServer(options: Parameters<typeof listen>[0] = {}) {
  const s = await listen(options);
  servers.push(s.server);
  s.server.on('connection', (ws, req) => {
    for (const topic of (req.url ?? '/').slice(1).split(',')) if (topic) ws.subscribe(topic);
    ws.on('message', (data, isBinary) => ws.publish('chat', data, { binary: isBinary }));
  });
  return s;
}

/** A ws client that has been accepted (and subscribed) by the server. */
async function join(server: WebSocketServer, url: string): Promise<{ client: Client; ws: WebSocket; inbox: Array<[string, boolean]> }> {
  const accepted = next(server, 'connection');
  const { client, inbox } = await openInbox(url, clients);
  const [ws] = await accepted;
  return { client, ws, inbox };
}


describe('topics', () => {
  it('subscribe, unsubscribe, isSubscribed and topics', async () => {
    const { server, url } = await topicServer();
    const { ws } = await join(server, `${url}/`);
    expect(ws.topics).toEqual([]);
    expect(ws.subscribe('a')).toBe(true);
    expect(ws.subscribe('a')).toBe(false);
    expect(ws.subscribe('b')).toBe(true);
    expect(ws.isSubscribed('a')).toBe(true);
    expect(ws.topics.sort()).toEqual(['a', 'b']);
    expect(server.topics.subscriberCount('a')).toBe(1);
    expect(ws.unsubscribe('a')).toBe(true);
    expect(ws.unsubscribe('a')).toBe(false);
    expect(ws.isSubscribed('a')).toBe(false);
    expect(ws.topics).toEqual(['b']);
    expect(server.topics.subscriberCount('a')).toBe(0);
    expect(() => ws.subscribe(3 as unknown as string)).toThrow(TypeError);
  });

  it('server.publish reaches every subscriber, text as text, binary as binary, in order, and counts them', async () => {
    const { server, url } = await topicServer();
    const a = await join(server, `${url}/news`);
    const b = await join(server, `${url}/news,sport`);
    const c = await join(server, `${url}/sport`);
    expect(server.publish('news', 'one')).toEqual({ delivered: 2, dropped: 0 });
    expect(server.publish('news', Buffer.from('two'))).toEqual({ delivered: 2, dropped: 0 });
    expect(server.publish('sport', 'three', { binary: true })).toEqual({ delivered: 2, dropped: 0 });
    expect(server.publish('news', new Uint8Array([0x66, 0x6f, 0x75, 0x72]).buffer)).toEqual({ delivered: 2, dropped: 0 });
    expect(server.publish('nobody', 'x')).toEqual({ delivered: 0, dropped: 0 });
    await until(() => a.inbox.length === 3 && b.inbox.length === 4 && c.inbox.length === 1);
    expect(a.inbox).toEqual([['one', false], ['two', true], ['four', true]]);
    expect(b.inbox).toEqual([['one', false], ['two', true], ['three', true], ['four', true]]);
    expect(c.inbox).toEqual([['three', true]]);
  });

  it('ws.publish reaches every subscriber but the sender', async () => {
    const { server, url } = await topicServer();
    const a = await join(server, `${url}/chat`);
    const b = await join(server, `${url}/chat`);
    const outsider = await join(server, `${url}/`);
    a.client.send('from a');
    outsider.client.send(Buffer.from('from outside'));
    await until(() => b.inbox.length === 2 && a.inbox.length === 1);
    expect(b.inbox).toEqual([['from a', false], ['from outside', true]]);
    expect(a.inbox).toEqual([['from outside', true]]);
    expect(outsider.inbox).toEqual([]);
    expect(outsider.ws.publish('chat', 'direct')).toEqual({ delivered: 2, dropped: 0 });
    expect(a.ws.publish('chat', 'direct')).toEqual({ delivered: 1, dropped: 0 });
  });

  it('keeps the order of published and directly sent messages', async () => {
    const { server, url } = await topicServer();
    const a = await join(server, `${url}/t`);
    const expected: string[] = [];
    for (let i = 0; i < 300; i++) {
      const m = `m${i}`;
      expected.push(m);
      if (i % 7 === 3) a.ws.send(m);
      else server.publish('t', m);
      // Some messages cross the end of a loop iteration, some a batch chunk.
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => a.inbox.length === expected.length);
    expect(a.inbox.map(([m]) => m)).toEqual(expected);
  });

  it('hands each subscriber one socket write per loop iteration, across ticks, chunks and topics', async () => {
    const { server, url } = await topicServer();
    const members = [await join(server, `${url}/t,u`), await join(server, `${url}/t`), await join(server, `${url}/u`)];
    // Count the write requests each server-side socket gets (a corked run of writes is one writev).
    const writes = members.map(({ ws }) => {
      const socket = ws._socket! as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
      const counter = { n: 0 };
      for (const method of ['_write', '_writev'] as const) {
        const original = socket[method];
        socket[method] = function (this: unknown, ...args: unknown[]) {
          counter.n++;
          return original.apply(this, args);
        };
      }
      return counter;
    });
    const expected: string[][] = [[], [], []];
    const publish = (topic: string, i: number) => {
      const m = `${topic}${i}:${'z'.repeat(1000)}`;
      server.publish(topic, m);
      if (topic === 't') expected[0].push(m), expected[1].push(m);
      else expected[0].push(m), expected[2].push(m);
    };
    // 200 messages of 1 KiB (three 64 KiB chunks), on two topics, over two ticks of one loop iteration.
    for (let i = 0; i < 100; i++) publish(i % 3 === 0 ? 'u' : 't', i);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    for (let i = 100; i < 200; i++) publish(i % 3 === 0 ? 'u' : 't', i);
    await until(() => members.every(({ inbox }, k) => inbox.length === expected[k].length));
    members.forEach(({ inbox }, k) => expect(inbox.map(([m]) => m)).toEqual(expected[k]));
    expect(writes.map((w) => w.n)).toEqual([1, 1, 1]);
  });

  it('publish compresses for permessage-deflate subscribers unless compress is false', async () => {
    const { server, url } = await topicServer({ perMessageDeflate: true });
    const a = await join(server, `${url}/t`);
    const heads: number[] = [];
    a.client._socket.prependListener('data', (chunk: Buffer) => heads.push(chunk[0]));
    const big = 'compressible '.repeat(200);
    server.publish('t', big, { compress: false });
    await until(() => a.inbox.length === 1);
    server.publish('t', big);
    await until(() => a.inbox.length === 2);
    expect(a.inbox).toEqual([[big, false], [big, false]]);
    expect(heads).toEqual([0x81, 0xc1]); // FIN + text, then FIN + RSV1 (compressed) + text
  });

  it('delivers large messages (shared as they are) and many small ones across chunks intact', async () => {
    const { server, url } = await topicServer();
    const a = await join(server, `${url}/t`);
    const b = await join(server, `${url}/t`);
    const big = Buffer.alloc(300_000, 'x');
    big.write('start', 0);
    const small = 'y'.repeat(5000);
    for (let i = 0; i < 40; i++) server.publish('t', small); // 200 KB: more than one 64 KiB chunk in one tick
    server.publish('t', big);
    server.publish('t', 'after');
    await until(() => a.inbox.length === 42 && b.inbox.length === 42);
    for (const { inbox } of [a, b]) {
      expect(inbox.slice(0, 40).every(([m]) => m === small)).toBe(true);
      expect(inbox[40][0].length).toBe(big.length);
      expect(inbox[40][0].startsWith('start')).toBe(true);
      expect(inbox[41]).toEqual(['after', false]);
    }
  });

  it('a closed connection leaves all its topics; adapters hear a topic open and close', async () => {
    const { server, url } = await topicServer();
    const events: string[] = [];
    server.topics.onTopicOpened = (topic) => events.push(`+${topic}`);
    server.topics.onTopicClosed = (topic) => events.push(`-${topic}`);
    const a = await join(server, `${url}/x,y`);
    const b = await join(server, `${url}/y`);
    expect(server.topics.subscriberCount('y')).toBe(2);
    const closed = next(a.ws, 'close');
    a.client.close();
    await closed;
    expect(server.topics.subscriberCount('x')).toBe(0);
    expect(server.topics.subscriberCount('y')).toBe(1);
    expect(a.ws.topics).toEqual([]);
    expect(server.publish('y', 'still')).toEqual({ delivered: 1, dropped: 0 });
    await until(() => b.inbox.length === 1);
    expect(events).toEqual(['+x', '+y', '-x']);
  });

  it('client connections have no topics', () => {
    const client = new WebSocket('ws://127.0.0.1:1');
    client.on('error', () => {});
    expect(() => client.subscribe('t')).toThrow(/server-side/);
    client.terminate();
  });
});
