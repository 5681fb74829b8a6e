/**
 * The Redis adapter against a real redis-server (Debian's, installed on
 * demand, started here on a free loopback port without persistence): two
 * servers, each with its own adapter, share topics; Redis dies and comes back;
 * Redis drops one connection of an adapter (`CLIENT KILL`), and the adapter
 * says which.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../../scripts/redis-server.mjs';
import { createRedisAdapter, PublishError, type RedisAdapter } from '../../src/scale/redis.js';
import type { WebSocketServer } from '../../src/server/index.js';
import { closeServer, listen, next } from '../server/helpers.js';
import { announcements, openInbox, redisSubscribers, until } from './support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = any;

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});


/**
 * Two servers joined by Redis; clients subscribe to the topics in their URL path and publish what they send. Their
 * adapters' connections are named `server0:…` and `server1:…` in Redis.
 */
async function pair(options: { sharded?: boolean; maxPending?: number } = {}) {
  const made: Array<{ server: WebSocketServer; url: string; adapter: RedisAdapter }> = [];
  for (let i = 0; i < 2; i++) {
    const adapter = await createRedisAdapter({ url: redis.url, reconnectDelay: 50, name: `server${i}`, ...options });
    const { server, url } = await listen({ adapter });
    server.on('connection', (ws, req) => {
      for (const topic of (req.url ?? '/').slice(1).split(',')) if (topic) ws.subscribe(topic);
      ws.on('message', (data, isBinary) => ws.publish('chat', data, { binary: isBinary }));
    });
    made.push({ server, url, adapter });
  }
  const clients: Client[] = [];
  const join = (url: string) => openInbox(url, clients);
  const close = async () => {
    for (const c of clients) c.terminate();
    for (const { server, adapter } of made) {
      await closeServer(server);
      await adapter.close();
    }
  };
  /** Resolves once Redis has confirmed both servers' subscriptions to `topic` (each has a local subscriber of it). */
  const bothSubscribed = (topic: string) => Promise.all(made.map(({ adapter }) => adapter.subscribed(topic)));
  return { a: made[0], b: made[1], join, bothSubscribed, close };
}

/**
 * As soon as `to`'s subscription to a new subscriber's topic (its URL path) is confirmed, `from` publishes
 * `to <topic>` to it: a message Redis would drop for `to` if it came before the subscription. A rejection is sent
 * to the subscriber instead.
 */
function publishWhenSubscribed(from: { server: WebSocketServer }, to: { server: WebSocketServer; adapter: RedisAdapter }): void {
  to.server.on('connection', (ws, req) => {
    const topic = (req.url ?? '/').slice(1);
    to.adapter.subscribed(topic).then(() => from.server.publish(topic, `to ${topic}`), (error: Error) => ws.send(error.message));
  });
}

/** A client of the tests' Redis, to run commands on it (connect it first). */
function redisClient() {
  return createClient({ url: redis.url });
}

/**
 * Closes the connection Redis knows by client name `name` (`CLIENT KILL ID`, as an idle timeout or a proxy would),
 * through the connected client `via` if given (when Redis lets no new connection in), else a new one.
 */
async function killConnection(name: string, via?: ReturnType<typeof redisClient>): Promise<void> {
  const client = via ?? redisClient();
  if (via === undefined) await client.connect();
  try {
    const ids = (await client.clientList()).filter((c) => c.name === name).map((c) => c.id);
    expect(ids).toHaveLength(1);
    await client.sendCommand(['CLIENT', 'KILL', 'ID', String(ids[0])]);
  } finally {
    if (via === undefined) await client.close();
  }
}

describe.each([false, true])('Redis adapter (sharded: %s)', (sharded) => {
  it('carries publishes to the other server, text as text, binary as binary, in order, never back to the publisher', async () => {
    const { a, b, join, bothSubscribed, close } = await pair({ sharded });
    try {
      const a1 = await join(`${a.url}/chat`);
      const b1 = await join(`${b.url}/chat`);
      const b2 = await join(`${b.url}/chat`);
      await bothSubscribed('chat');
      a1.client.send('hello');
      a1.client.send(Buffer.from([1, 2, 3]));
      await until(() => b1.inbox.length === 2 && b2.inbox.length === 2);
      expect(b1.inbox).toEqual([['hello', false], ['\x01\x02\x03', true]]);
      expect(b2.inbox).toEqual(b1.inbox);
      // server.publish reaches the local subscriber once, and the remote ones.
      expect(a.server.publish('chat', 'from a')).toEqual({ delivered: 1, dropped: 0 });
      await until(() => b1.inbox.length === 3 && a1.inbox.length === 1);
      expect(a1.inbox).toEqual([['from a', false]]);
      // 2,000 messages from one publisher arrive in order.
      const sent = Array.from({ length: 2000 }, (_, i) => `m${i}`);
      for (const m of sent) a.server.publish('chat', m);
      await until(() => b2.inbox.length === 3 + sent.length);
      expect(b2.inbox.slice(3).map(([m]) => m)).toEqual(sent);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(a1.inbox.length).toBe(1 + sent.length); // no duplicates of its own server's messages
      expect(a.adapter.stats.failed).toBe(0);
    } finally {
      await close();
    }
  });

  it('subscribes to a channel only while the topic has local subscribers', async () => {
    const { a, join, close } = await pair({ sharded });
    try {
      const a1 = await join(`${a.url}/room`);
      await redisSubscribers(redis.url, 'wsframe:room', 1, sharded);
      a1.client.close();
      await redisSubscribers(redis.url, 'wsframe:room', 0, sharded);
    } finally {
      await close();
    }
  });
});

describe.each([false, true])('RedisAdapter.subscribed (sharded: %s)', (sharded) => {
  it('resolves once Redis has confirmed: a publish from the other server made then reaches the new subscriber, every time', async () => {
    const { a, b, join, close } = await pair({ sharded });
    try {
      // As soon as b's subscription to a new subscriber's topic is confirmed, a publishes to it. b's SUBSCRIBE and a's
      // PUBLISH go to Redis on two connections: only the confirmation orders them (on loopback the SUBSCRIBE usually
      // wins anyway; the next test makes it lose without the wait).
      publishWhenSubscribed(a, b);
      // A new topic each round (a channel b has never subscribed to).
      for (let i = 0; i < 50; i++) {
        const topic = `fresh${i}`;
        const b1 = await join(`${b.url}/${topic}`);
        await until(() => b1.inbox.length === 1);
        expect(b1.inbox).toEqual([[`to ${topic}`, false]]);
      }
      // Confirmed already: settles before any I/O (a reply from Redis) or macrotask could.
      const first = await Promise.race([b.adapter.subscribed('fresh0').then(() => 'confirmed'), new Promise((resolve) => setImmediate(resolve, 'later'))]);
      expect(first).toBe('confirmed');
    } finally {
      await close();
    }
  });

  it('resolves only once the subscribing connection is back when it was down: a publish made then arrives', async () => {
    const { a, b, join, close } = await pair({ sharded });
    // Redis lets no new connection in (the default user off; connected ones stay): b's subscribing one, once
    // dropped, cannot come back until the default user is on again.
    const admin = redisClient();
    await admin.connect();
    try {
      b.adapter.on('error', () => {}); // each failed reconnection is reported
      publishWhenSubscribed(a, b);
      await admin.sendCommand(['ACL', 'SETUSER', 'default', 'off']);
      const down = next(b.adapter, 'down');
      await killConnection('server1:subscribe', admin);
      expect(await down).toEqual(['subscribe']);
      // The SUBSCRIBE waits in node-redis's offline queue: a publish made now would be lost.
      const b1 = await join(`${b.url}/meanwhile`);
      await admin.sendCommand(['ACL', 'SETUSER', 'default', 'on']);
      await until(() => b1.inbox.length === 1);
      expect(b1.inbox).toEqual([['to meanwhile', false]]);
    } finally {
      await admin.sendCommand(['ACL', 'SETUSER', 'default', 'on']);
      await admin.close();
      await close();
    }
  });

  it('rejects for a topic without local subscribers, and when its last subscriber leaves before Redis confirms', async () => {
    const { a, join, close } = await pair({ sharded });
    try {
      await expect(a.adapter.subscribed('nobody')).rejects.toThrow("Topic 'nobody' has no local subscriber");
      const outcome = new Promise((resolve) => {
        a.server.once('connection', (ws) => {
          ws.subscribe('brief');
          const confirmed = a.adapter.subscribed('brief');
          ws.unsubscribe('brief'); // in the same turn: Redis cannot have answered the SUBSCRIBE yet
          resolve(confirmed.then(() => 'confirmed', (error: Error) => error.message));
        });
      });
      await join(`${a.url}/`);
      expect(await outcome).toBe("Topic 'brief' lost its last local subscriber before Redis confirmed the subscription");
      await expect(a.adapter.subscribed('brief')).rejects.toThrow("Topic 'brief' has no local subscriber");
      // A new subscriber subscribes the topic afresh (ws.subscribe requests it at once), and is confirmed.
      await join(`${a.url}/brief`);
      await expect(a.adapter.subscribed('brief')).resolves.toBeUndefined();
    } finally {
      await close();
    }
  });

  it('rejects once the adapter closes, a confirmation still pending too', async () => {
    const { a, join, close } = await pair({ sharded });
    try {
      await join(`${a.url}/room`);
      await a.adapter.subscribed('room');
      const outcome = new Promise((resolve) => {
        a.server.once('connection', () => {
          // pair()'s listener, first, has subscribed to 'late': its SUBSCRIBE is not answered yet.
          const confirmed = a.adapter.subscribed('late');
          void a.adapter.close();
          resolve(confirmed.then(() => 'confirmed', (error: Error) => error.message));
        });
      });
      await join(`${a.url}/late`);
      expect(await outcome).toBe("The Redis adapter closed before Redis confirmed the subscription to topic 'late'");
      await expect(a.adapter.subscribed('room')).rejects.toThrow("The Redis adapter is closed: no subscription to topic 'room'");
    } finally {
      await close();
    }
  });

  it('rejects when Redis refuses the subscription (a user without the channel), which is reported on error too', async () => {
    const admin = redisClient();
    await admin.connect();
    await admin.sendCommand(['ACL', 'SETUSER', 'limited', 'on', '>secret', '~*', '+@all', 'resetchannels', '&wsframe:open*']);
    const url = new URL(redis.url);
    url.username = 'limited';
    url.password = 'secret';
    const adapter = await createRedisAdapter({ url: url.href, sharded });
    const errors: Error[] = [];
    adapter.on('error', (error) => errors.push(error));
    const { server, url: serverUrl } = await listen({ adapter });
    server.on('connection', (ws) => {
      ws.subscribe('open-room');
      ws.subscribe('forbidden');
    });
    const clients: Client[] = [];
    try {
      await openInbox(serverUrl, clients);
      await expect(adapter.subscribed('forbidden')).rejects.toThrow(/^The subscription to topic 'forbidden' failed: NOPERM/);
      await adapter.subscribed('open-room');
      expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/^NOPERM/)]);
    } finally {
      for (const c of clients) c.terminate();
      await closeServer(server);
      await adapter.close();
      await admin.sendCommand(['ACL', 'DELUSER', 'limited']);
      await admin.close();
    }
  });
});

describe('Redis outages', () => {
  it('reports publishes while Redis is down without queuing them, resubscribes after it is back, and delivers again without duplicates', async () => {
    const { a, b, join, bothSubscribed, close } = await pair();
    let restarted = true;
    try {
      const a1 = await join(`${a.url}/chat`);
      const b1 = await join(`${b.url}/chat`);
      await bothSubscribed('chat');
      const errors: Error[] = [];
      a.adapter.on('error', (error) => errors.push(error));
      b.adapter.on('error', () => {});
      a.server.publish('chat', 'before');
      await until(() => b1.inbox.length === 1);
      const seen = announcements(a.adapter);
      restarted = false;
      await redis.kill();
      await until(() => a.adapter.state.publish === 'down' && a.adapter.state.subscribe === 'down');
      expect(a.adapter.isReady).toBe(false);
      // While Redis is down: local subscribers still get messages, remote ones cannot, and every publish is reported.
      for (let i = 0; i < 1000; i++) a.server.publish('chat', `lost ${i}`);
      const publishErrors = errors.filter((e) => e instanceof PublishError);
      expect(publishErrors.length).toBe(1000);
      expect((publishErrors[0] as PublishError).topic).toBe('chat');
      expect(a.adapter.stats.failed).toBe(1000);
      await until(() => a1.inbox.length === 1001);
      // node-redis retries both connections (each failed attempt an 'error'); each was announced down once.
      const refused = () => errors.filter((e) => !(e instanceof PublishError)).length;
      const before = refused();
      await until(() => refused() >= before + 6);
      expect([...seen].sort()).toEqual(['down publish', 'down subscribe']);
      // Back on the same port: both adapters reconnect and subscribe again.
      const readyA = next(a.adapter, 'ready');
      const readyB = next(b.adapter, 'ready');
      redis = await startRedis(redis.port);
      restarted = true;
      await Promise.all([readyA, readyB]);
      // Each connection announced back once, then 'ready' once.
      expect(seen.slice(2, 4).sort()).toEqual(['up publish', 'up subscribe']);
      expect(seen.slice(4)).toEqual(['ready']);
      expect(a.adapter.state).toEqual({ publish: 'ready', subscribe: 'ready' });
      // Redis counts both subscriptions again, the ones node-redis made on reconnecting (subscribed() told of the first ones).
      await redisSubscribers(redis.url, 'wsframe:chat', 2);
      a.server.publish('chat', 'after a');
      b.server.publish('chat', 'after b');
      await until(() => b1.inbox.length === 3 && a1.inbox.length === 1003);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Nothing published during the outage crossed over, and nothing arrived twice.
      expect(b1.inbox.map(([m]) => m)).toEqual(['before', 'after b', 'after a']);
      expect(a1.inbox.slice(1001).map(([m]) => m)).toEqual(['after a', 'after b']);
    } finally {
      await close();
      // After a failure mid-outage, the next tests still get a Redis on the same port.
      if (!restarted) redis = await startRedis(redis.port);
    }
  });

  it("names the subscribing connection when only it is lost: publishes still go out, and it is back subscribed when 'up'", async () => {
    const { a, b, join, bothSubscribed, close } = await pair();
    try {
      const a1 = await join(`${a.url}/chat`);
      const b1 = await join(`${b.url}/chat`);
      await bothSubscribed('chat');
      a.adapter.on('error', () => {}); // the lost connection is reported
      const seen = announcements(a.adapter);
      const seenByB = announcements(b.adapter);
      let stateWhenDown: unknown;
      a.adapter.once('down', () => {
        stateWhenDown = a.adapter.state;
        a.server.publish('chat', 'while subscriber down');
      });
      const ready = next(a.adapter, 'ready');
      await killConnection('server0:subscribe');
      await ready;
      expect(seen).toEqual(['down subscribe', 'up subscribe', 'ready']);
      expect(stateWhenDown).toEqual({ publish: 'ready', subscribe: 'down' });
      expect(a.adapter.state).toEqual({ publish: 'ready', subscribe: 'ready' });
      // 'up' comes once node-redis has subscribed again: a publish from the other server made now reaches a1.
      b.server.publish('chat', 'after');
      await until(() => b1.inbox.length === 2 && a1.inbox.length === 2);
      // b1 got a's through Redis, and its own server's locally (whichever first: a race).
      expect(b1.inbox.map(([m]) => m).sort()).toEqual(['after', 'while subscriber down']);
      expect(a1.inbox.map(([m]) => m)).toEqual(['while subscriber down', 'after']);
      expect(a.adapter.stats.failed).toBe(0);
      expect(seenByB).toEqual([]);
    } finally {
      await close();
    }
  });

  it('names the publishing connection when only it is lost: publishes are dropped and reported, other servers\' messages still arrive', async () => {
    const { a, b, join, bothSubscribed, close } = await pair();
    try {
      const a1 = await join(`${a.url}/chat`);
      const b1 = await join(`${b.url}/chat`);
      await bothSubscribed('chat');
      const errors: PublishError[] = [];
      a.adapter.on('error', (error) => {
        if (error instanceof PublishError) errors.push(error);
      });
      const seen = announcements(a.adapter);
      const seenByB = announcements(b.adapter);
      let stateWhenDown: unknown;
      a.adapter.once('down', () => {
        stateWhenDown = a.adapter.state;
        a.server.publish('chat', 'lost');
        b.server.publish('chat', 'from b while a cannot publish');
      });
      const ready = next(a.adapter, 'ready');
      await killConnection('server0:publish');
      await ready;
      expect(seen).toEqual(['down publish', 'up publish', 'ready']);
      expect(stateWhenDown).toEqual({ publish: 'down', subscribe: 'ready' });
      expect(errors.map((e) => [e.topic, e.message])).toEqual([['chat', 'Redis is not connected: message dropped']]);
      expect(a.adapter.state).toEqual({ publish: 'ready', subscribe: 'ready' });
      a.server.publish('chat', 'after');
      // Order per publisher: had 'lost' gone out, it would reach b1 before 'after'.
      await until(() => b1.inbox.length === 2 && a1.inbox.length === 3);
      expect(b1.inbox.map(([m]) => m)).toEqual(['from b while a cannot publish', 'after']);
      // a1 got its own server's two locally, and b's through Redis (whether before or after 'after' is a race).
      expect(a1.inbox.map(([m]) => m).sort()).toEqual(['after', 'from b while a cannot publish', 'lost']);
      expect(a.adapter.stats).toMatchObject({ failed: 1 });
      expect(seenByB).toEqual([]);
    } finally {
      await close();
    }
  });

  it('reads both connections down after close(), and announces nothing', async () => {
    const adapter = await createRedisAdapter({ url: redis.url });
    expect(adapter.state).toEqual({ publish: 'ready', subscribe: 'ready' });
    expect(adapter.isReady).toBe(true);
    const seen = announcements(adapter);
    await adapter.close();
    expect(adapter.state).toEqual({ publish: 'down', subscribe: 'down' });
    expect(adapter.isReady).toBe(false);
    expect(seen).toEqual([]);
  });

  it('drops publishes past maxPending at once, reported', async () => {
    const { a, join, close } = await pair({ maxPending: 10 });
    try {
      await join(`${a.url}/chat`);
      const errors: PublishError[] = [];
      a.adapter.on('error', (error) => errors.push(error as PublishError));
      for (let i = 0; i < 100; i++) a.server.publish('chat', `m${i}`); // one tick: no reply can arrive in between
      expect(errors.length).toBe(90);
      expect(errors[0].message).toMatch(/maxPending/);
      expect(a.adapter.stats).toMatchObject({ published: 10, failed: 90 });
    } finally {
      await close();
    }
  });

  it('rejects when Redis cannot be reached at first', async () => {
    const { freePort } = await import('../../scripts/redis-server.mjs');
    await expect(createRedisAdapter({ url: `redis://127.0.0.1:${await freePort()}` })).rejects.toThrow();
  });
});
