/**
 * `wsframe relay`: the fan-out rules in one process, and two relay processes
 * joined by a real redis-server that is killed in the middle of a stream and
 * restarted.
 */
import net from 'node:net';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../../scripts/redis-server.mjs';
import { wsframe } from '../cli/run.js';
import { openInbox, startRelay, until, type RelayProcess } from './support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = any;

const clients: Client[] = [];
afterAll(() => {
  for (const c of clients) c.terminate();
});

/** An open client of `url` recording what it receives; its errors once open (a relay killed under it) are expected. */
async function join(url: string): Promise<{ client: Client; inbox: Array<[string, boolean]> }> {
  const joined = await openInbox(url, clients);
  joined.client.on('error', () => {});
  return joined;
}

describe('wsframe relay', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('prints its URL and relays each topic to its other subscribers, in order, text as text, binary as binary', async () => {
    expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const a = await join(`${relay.url}/room`);
    const b = await join(`${relay.url}/room`);
    const c = await join(`${relay.url}/room?x=1`);
    const other = await join(`${relay.url}/other%20room`);
    for (let i = 0; i < 100; i++) a.client.send(i % 2 ? Buffer.from(`b${i}`) : `t${i}`);
    await until(() => b.inbox.length === 100 && c.inbox.length === 100);
    const expected = Array.from({ length: 100 }, (_, i) => [i % 2 ? `b${i}` : `t${i}`, i % 2 === 1]);
    expect(b.inbox).toEqual(expected);
    expect(c.inbox).toEqual(expected);
    other.client.send('elsewhere');
    b.client.send('from b');
    await until(() => a.inbox.length === 1 && c.inbox.length === 101);
    expect(a.inbox).toEqual([['from b', false]]);
    expect(b.inbox.length).toBe(100); // never back to the sender
    expect(other.inbox).toEqual([]);
  });

  it('rejects bad options with its usage', () => {
    const bad = wsframe('relay', '--workers', 'many');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/invalid --workers 'many'/);
    const redis = wsframe('relay', '--redis', 'localhost:6379');
    expect(redis.status).toBe(2);
    expect(redis.stderr).toMatch(/expected redis:\/\/HOST:PORT/);
    const reminder = wsframe('relay', '--redis', 'redis://127.0.0.1:1', '--redis-reminder', '-1');
    expect(reminder.status).toBe(2);
    expect(reminder.stderr).toMatch(/invalid --redis-reminder '-1': expected an integer from 0 to 86400/);
    expect(wsframe('relay', '--help').stdout).toMatch(/--workers N\|auto/);
    expect(wsframe('relay', '--help').stdout).toMatch(/--redis-reminder S .*default 30/);
  });
});

describe('wsframe relay --deflate', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await startRelay('--deflate');
  });
  afterAll(async () => {
    await relay?.stop();
  });

  it('negotiates permessage-deflate and relays large messages compressed, small ones as they are, in order', async () => {
    const a = await join(`${relay.url}/room`);
    const b = await join(`${relay.url}/room`);
    const c = await join(`${relay.url}/room`);
    // ws's client offers the extension (its `extensions` names only what was agreed).
    expect(b.client.extensions).toBe('permessage-deflate');
    const large = 'wsframe '.repeat(8192); // 64 KiB of text that compresses well
    const before = [b, c].map(({ client }) => client._socket.bytesRead);
    a.client.send('small');
    a.client.send(large);
    a.client.send(Buffer.from(large));
    await until(() => b.inbox.length === 3 && c.inbox.length === 3);
    for (const { inbox } of [b, c]) expect(inbox).toEqual([['small', false], [large, false], [large, true]]);
    // Both large messages crossed the wire compressed: far fewer bytes than their 128 KiB.
    [b, c].forEach(({ client }, i) => expect(client._socket.bytesRead - before[i]).toBeLessThan(4096));
    expect(a.inbox).toEqual([]);
  });

  it('takes a mode, and rejects a bad one with its usage', () => {
    expect(wsframe('relay', '--help').stdout).toMatch(/--deflate \[shared\|dedicated\]/);
    const bad = wsframe('relay', '--deflate', 'always');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/invalid --deflate 'always': expected shared or dedicated/);
  });
});

describe('two relays joined by Redis', () => {
  let redis: RedisProcess;
  let relays: RelayProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    relays = [await startRelay('--redis', redis.url), await startRelay('--redis', redis.url)];
  });
  afterAll(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    await redis?.stop();
  });

  it('keep relaying both ways after redis-server is killed mid-stream and restarted: no crash, no duplicates, the outage reported', async () => {
    const [one, two] = relays;
    const a = await join(`${one.url}/stream`);
    const b = await join(`${two.url}/stream`);
    const sent = { a: 0, b: 0 };
    const streaming = setInterval(() => {
      a.client.send(`a${sent.a++}`);
      b.client.send(`b${sent.b++}`);
    }, 5);
    try {
      await until(() => a.inbox.length >= 20 && b.inbox.length >= 20);
      await redis.kill();
      const before = { a: a.inbox.length, b: b.inbox.length };
      await until(() => one.stderr().includes('redis:') && two.stderr().includes('redis:'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      redis = await startRedis(redis.port);
      await until(() => a.inbox.length > before.a + 50 && b.inbox.length > before.b + 50, 20_000);
    } finally {
      clearInterval(streaming);
    }
    for (const [inbox, from] of [[b.inbox, 'a'], [a.inbox, 'b']] as const) {
      const seqs = inbox.map(([m]) => Number(m.slice(1)));
      expect(inbox.every(([m, binary]) => m[0] === from && !binary)).toBe(true);
      // In order and no duplicates; the gap is what was published while Redis was down.
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
      const gaps = seqs.slice(1).filter((s, i) => s !== seqs[i] + 1).length;
      expect(gaps).toBeGreaterThanOrEqual(1);
    }
    expect(one.child.exitCode).toBe(null);
    expect(two.child.exitCode).toBe(null);
  });
});

describe('wsframe relay --redis output during a Redis outage', () => {
  /** The relay's Redis lines, without the `wsframe relay: redis: ` prefix. */
  const redisLines = (relay: RelayProcess) => relay.stderr().split('\n').filter((line) => line.startsWith('wsframe relay: redis: ')).map((line) => line.slice('wsframe relay: redis: '.length));

  it('says once which connection is down and what that loses, counts the failed reconnection attempts and dropped publishes, and says when both are back', async () => {
    let redis = await startRedis();
    const relay = await startRelay('--redis', redis.url);
    // Stands in for Redis while it is down: accepts each reconnection attempt and closes it at once, counting them.
    let attempts = 0;
    const refuser = net.createServer((socket) => {
      attempts++;
      socket.destroy();
    });
    try {
      const sender = await join(`${relay.url}/outage`);
      const receiver = await join(`${relay.url}/outage`);
      let sent = 0;
      const sending = setInterval(() => sender.client.send(`m${sent++}`), 10);
      try {
        await until(() => receiver.inbox.length >= 5, 30_000); // local delivery works (and goes on throughout)
        await redis.kill();
        await until(() => redisLines(relay).some((l) => l.startsWith('publish connection down')) && redisLines(relay).some((l) => l.startsWith('subscribe connection down')), 30_000);
        await new Promise<void>((resolve, reject) => refuser.once('error', reject).listen(redis.port, '127.0.0.1', () => resolve()));
        // Fifteen failed reconnection attempts of each connection at least: one line per attempt would be 30 lines.
        await until(() => attempts >= 30, 60_000);
        await new Promise((resolve) => refuser.close(resolve));
        const duringOutage = redisLines(relay);
        redis = await startRedis(redis.port);
        await until(() => redisLines(relay).some((l) => l.startsWith('both connections up again')), 60_000);
        const received = receiver.inbox.length;
        await until(() => receiver.inbox.length > received + 5, 30_000);
        expect(duringOutage.length).toBeLessThanOrEqual(8); // 2 down lines, each distinct error message once
      } finally {
        clearInterval(sending);
      }
      const lines = redisLines(relay);
      expect(lines.filter((l) => l.startsWith('publish connection down'))).toEqual([
        expect.stringMatching(/^publish connection down( \(.+\))?: messages sent here do not reach other relays until it is back$/),
      ]);
      expect(lines.filter((l) => l.startsWith('subscribe connection down'))).toEqual([
        expect.stringMatching(/^subscribe connection down( \(.+\))?: messages sent on other relays do not arrive here until it is back$/),
      ]);
      expect(new Set(lines).size).toBe(lines.length); // no line twice
      const last = lines.at(-1)!;
      const totals = /^both connections up again after \d+\.\d s: (\d+) errors?, (\d+) publish(?:es)? dropped$/.exec(last);
      expect(totals, last).not.toBe(null);
      expect(Number(totals![1])).toBeGreaterThanOrEqual(attempts);
      expect(Number(totals![2])).toBeGreaterThan(0);
      // Between: at most one line for the connection that came back first; no per-attempt or per-publish lines.
      const between = lines.slice(lines.findIndex((l) => l.startsWith('subscribe connection down')) + 1, -1).filter((l) => !l.startsWith('publish connection down'));
      expect(between.filter((l) => / connection back after /.test(l)).length).toBeLessThanOrEqual(1);
      expect(lines.some((l) => /dropped \(/.test(l))).toBe(false);
      expect(lines.length).toBeLessThanOrEqual(10);
      expect(relay.child.exitCode).toBe(null);
    } finally {
      if (refuser.listening) refuser.close();
      await relay.stop();
      await redis.stop();
    }
  });

  it('reminds every --redis-reminder seconds that Redis is still down, with the cost so far, and stops once it is back', async () => {
    let redis = await startRedis();
    const relay = await startRelay('--redis', redis.url, '--redis-reminder', '1');
    try {
      const sender = await join(`${relay.url}/long`);
      const receiver = await join(`${relay.url}/long`);
      let sent = 0;
      const sending = setInterval(() => sender.client.send(`m${sent++}`), 10);
      try {
        await until(() => receiver.inbox.length >= 5, 30_000);
        await redis.kill();
        await until(() => redisLines(relay).filter((l) => l.startsWith('still down')).length >= 2, 30_000);
        redis = await startRedis(redis.port);
        await until(() => redisLines(relay).some((l) => l.startsWith('both connections up again')), 60_000);
      } finally {
        clearInterval(sending);
      }
      const reminders = redisLines(relay).filter((l) => l.startsWith('still down'));
      for (const line of reminders) {
        expect(line).toMatch(/^still down after \d+\.\d s \((both connections|publish connection|subscribe connection)\): \d+ errors?, \d+ publish(?:es)? dropped so far$/);
      }
      // The count of dropped publishes only grows, and the second reminder has some.
      const dropped = reminders.map((l) => Number(/(\d+) publish(?:es)? dropped/.exec(l)![1]));
      expect(dropped[1]).toBeGreaterThan(0);
      for (let i = 1; i < dropped.length; i++) expect(dropped[i]).toBeGreaterThanOrEqual(dropped[i - 1]);
      // No reminder after the outage ended (waited longer than the interval).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(redisLines(relay).at(-1)).toMatch(/^both connections up again after /);
    } finally {
      await relay.stop();
      await redis.stop();
    }
  });

  it('names only the connection Redis dropped (CLIENT KILL of the subscribing one) and says when it is back', async () => {
    const redis = await startRedis();
    const relay = await startRelay('--redis', redis.url);
    const admin = createClient({ url: redis.url });
    try {
      await admin.connect();
      const ids = (await admin.clientList()).filter((c) => c.name === 'wsframe:subscribe').map((c) => c.id);
      expect(ids).toHaveLength(1);
      await admin.sendCommand(['CLIENT', 'KILL', 'ID', String(ids[0])]);
      await until(() => redisLines(relay).some((l) => l.startsWith('both connections up again')), 60_000);
      const lines = redisLines(relay);
      expect(lines[0]).toMatch(/^subscribe connection down( \(.+\))?: messages sent on other relays do not arrive here until it is back$/);
      expect(lines.at(-1)).toMatch(/^both connections up again after \d+\.\d s: \d+ errors?, 0 publishes dropped$/);
      expect(lines.some((l) => l.startsWith('publish connection'))).toBe(false);
      expect(new Set(lines).size).toBe(lines.length);
    } finally {
      await admin.close().catch(() => {});
      await relay.stop();
      await redis.stop();
    }
  });
});
