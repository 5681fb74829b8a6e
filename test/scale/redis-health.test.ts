/**
 * The Redis adapter's health check against a real redis-server started here: frozen with SIGSTOP (the process
 * keeps its sockets, so the connections stay open and silent, as with a hung Redis or a path that died without a
 * word), each connection is declared down, including one that keeps publishing; after SIGCONT they come back and
 * messages cross again. Also: bad `healthCheck` values are refused, and 0 sends no PING.
 */
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../../scripts/redis-server.mjs';
import { createRedisAdapter, type RedisAdapter, type RedisAdapterOptions } from '../../src/scale/redis.js';
import type { WebSocketServer } from '../../src/server/index.js';
import { closeServer, listen } from '../server/helpers.js';
import { announcements, openInbox, until } from './support.js';

/** Short for the test: PINGs every 200 ms, a connection silent for 400 ms more is lost. */
const HEALTH_CHECK = 600;

let redis: RedisProcess | undefined;
const cleanups: Array<() => Promise<void>> = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const clients: any[] = [];
afterEach(async () => {
  if (redis !== undefined) process.kill(redis.pid, 'SIGCONT'); // never leave a frozen redis-server behind
  for (const client of clients.splice(0)) client.terminate();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await redis?.stop();
  redis = undefined;
});

/** A server joined to Redis by an adapter with `options`, its clients subscribing to the topics in their URL path. */
async function joined(options: RedisAdapterOptions): Promise<{ server: WebSocketServer; url: string; adapter: RedisAdapter }> {
  const adapter = await createRedisAdapter({ url: redis!.url, reconnectDelay: 50, ...options });
  const { server, url } = await listen({ adapter });
  server.on('connection', (ws, req) => ws.subscribe((req.url ?? '/').slice(1)));
  cleanups.push(async () => {
    await closeServer(server);
    await adapter.close();
  });
  return { server, url, adapter };
}

/** `CLIENT LIST` of the running redis-server: each connection's name and last command. */
async function clientList(): Promise<Array<{ name: string; cmd: string }>> {
  const admin = createClient({ url: redis!.url });
  await admin.connect();
  try {
    return (await admin.clientList()).map(({ name, cmd }) => ({ name, cmd }));
  } finally {
    await admin.close();
  }
}

describe('Redis adapter health check', () => {
  it('declares each connection of a frozen Redis down (also one that keeps publishing), and comes back after SIGCONT', async () => {
    redis = await startRedis();
    const a = await joined({ name: 'a', healthCheck: HEALTH_CHECK });
    const b = await joined({ name: 'b', healthCheck: HEALTH_CHECK });
    const errors: Error[] = [];
    a.adapter.on('error', (error) => errors.push(error));
    b.adapter.on('error', () => {});
    const seenA = announcements(a.adapter);
    const seenB = announcements(b.adapter);
    const { inbox } = await openInbox(`${b.url}/news`, clients);
    // a keeps publishing throughout: without the publish gate its writes would keep its socket from timing out.
    const publishing = setInterval(() => a.server.publish('news', 'tick'), 20);
    cleanups.push(async () => clearInterval(publishing));
    await until(() => inbox.length > 0);

    process.kill(redis.pid, 'SIGSTOP');
    await until(() => seenA.includes('down publish') && seenA.includes('down subscribe') && seenB.includes('down publish') && seenB.includes('down subscribe'));
    expect(a.adapter.state).toEqual({ publish: 'down', subscribe: 'down' });
    expect(a.adapter.isReady).toBe(false);
    expect(errors.some((e) => /healthCheck|timeout/i.test(e.message))).toBe(true);

    process.kill(redis.pid, 'SIGCONT');
    await until(() => a.adapter.isReady && b.adapter.isReady);
    await until(() => seenA.at(-1) === 'ready' && seenB.at(-1) === 'ready');
    // Each connection went down once and came up once, however many reconnection attempts the freeze took.
    for (const seen of [seenA, seenB]) {
      expect([...seen].sort()).toEqual(['down publish', 'down subscribe', 'ready', 'up publish', 'up subscribe']);
    }
    const received = inbox.length;
    await until(() => inbox.length > received + 3); // a's publishes cross to b's subscriber again
    expect(inbox.every(([m]) => m === 'tick')).toBe(true);
  });

  it('sends no PING with healthCheck: 0', async () => {
    redis = await startRedis();
    const off = await joined({ name: 'off', healthCheck: 0 });
    const on = await joined({ name: 'on', healthCheck: 300 }); // a PING every 100 ms on each connection
    await openInbox(`${off.url}/topic`, clients); // the subscribing connection has a channel, as in use
    await openInbox(`${on.url}/topic`, clients);
    // Until each of `on`'s connections has PINGed several times (Redis counts them), `off`'s never have.
    const pings = async (): Promise<number> => {
      const admin = createClient({ url: redis!.url });
      await admin.connect();
      try {
        return Number(/cmdstat_ping:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
      } finally {
        await admin.close();
      }
    };
    for (let n = await pings(); n < 10; n = await pings()) await new Promise((resolve) => setTimeout(resolve, 50));
    const connections = await clientList();
    expect(connections.filter((c) => c.name.startsWith('on:')).map((c) => c.cmd)).toEqual(['ping', 'ping']);
    const offCommands = connections.filter((c) => c.name.startsWith('off:')).map((c) => c.cmd);
    expect(offCommands).toHaveLength(2);
    expect(offCommands).not.toContain('ping');
  });

  it.each([
    [-1], [1.5], [Number.NaN], [Infinity], [299], [2 ** 31], ['10000' as unknown as number],
  ])('refuses healthCheck %s with a RangeError naming it, before connecting', async (healthCheck) => {
    // No Redis here: a refused value must not get as far as connecting.
    await expect(createRedisAdapter({ url: 'redis://127.0.0.1:1', healthCheck })).rejects.toThrow(
      /^healthCheck must be 0 \(off\) or an integer number of ms from 300 to 2147483647, got /,
    );
    await expect(createRedisAdapter({ url: 'redis://127.0.0.1:1', healthCheck })).rejects.toBeInstanceOf(RangeError);
  });
});
