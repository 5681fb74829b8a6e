/**
 * Sharded pub/sub on a real Redis Cluster: three redis-servers in cluster mode
 * (Debian's, on free loopback ports, no persistence, started and stopped
 * here), two servers whose Redis adapters connect to the cluster with
 * `sharded: true`. Each topic's channel lives only on the shard that owns
 * its slot, and publishes cross between the servers, in order.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../../scripts/redis-server.mjs';
import { createRedisAdapter, type RedisAdapter } from '../../src/scale/redis.js';
import type { WebSocketServer } from '../../src/server/index.js';
import { closeServer, listen } from '../server/helpers.js';
import { openInbox, until } from './support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = any;

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 40_000);
afterAll(async () => {
  await cluster?.stop();
});

/** Sharded channels each node holds (PUBSUB SHARDCHANNELS asks one node about itself). */
async function shardChannels(url: string): Promise<string[]> {
  const client = createClient({ url });
  await client.connect();
  try {
    return ((await client.sendCommand(['PUBSUB', 'SHARDCHANNELS'])) as string[]).sort();
  } finally {
    await client.close();
  }
}

it('carries publishes between two servers through sharded pub/sub, each channel only on the shard owning its slot', async () => {
  // Topics whose channels fall on every one of the three shards.
  const topics: string[] = [];
  const owners = new Set<string>();
  for (let i = 0; owners.size < 3 || topics.length < 6; i++) {
    const owner = cluster.nodeOf(`wsframe:topic${i}`);
    if (!owners.has(owner) || topics.length < 6) {
      owners.add(owner);
      topics.push(`topic${i}`);
    }
  }
  const made: Array<{ server: WebSocketServer; url: string; adapter: RedisAdapter }> = [];
  const clients: Client[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      // Each adapter knows one node; the cluster client discovers the others.
      const adapter = await createRedisAdapter({ cluster: [cluster.urls[i]], sharded: true });
      const { server, url } = await listen({ adapter });
      server.on('connection', (ws, req) => {
        const topic = (req.url ?? '/').slice(1);
        ws.subscribe(topic);
        ws.on('message', (data, isBinary) => ws.publish(topic, data, { binary: isBinary }));
      });
      made.push({ server, url, adapter });
    }
    const join = (url: string) => openInbox(url, clients);
    const senders = await Promise.all(topics.map((topic) => join(`${made[0].url}/${topic}`)));
    const receivers = await Promise.all(topics.map((topic) => join(`${made[1].url}/${topic}`)));

    // Every channel is subscribed on its own shard, and only there.
    const expected = new Map<string, string[]>();
    for (const topic of topics) {
      const owner = cluster.nodeOf(`wsframe:${topic}`);
      expected.set(owner, [...(expected.get(owner) ?? []), `wsframe:${topic}`].sort());
    }
    const held = async () => Object.fromEntries(await Promise.all(cluster.urls.map(async (url) => [url, await shardChannels(url)] as const)));
    const want = Object.fromEntries(cluster.urls.map((url) => [url, expected.get(url) ?? []]));
    const end = Date.now() + 10_000;
    let got = await held();
    while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      got = await held();
    }
    expect(got).toEqual(want);
    expect(Object.values(want).every((channels) => channels.length > 0)).toBe(true); // all three shards in use

    // Each sender's messages reach the other server's subscriber of the same topic, in order, text and binary.
    const sent = Array.from({ length: 200 }, (_, i) => i);
    for (const i of sent) senders.forEach((s, t) => s.client.send(i % 2 ? Buffer.from(`${topics[t]}:${i}`) : `${topics[t]}:${i}`));
    await until(() => receivers.every((r) => r.inbox.length === sent.length), 20_000);
    receivers.forEach((r, t) => expect(r.inbox).toEqual(sent.map((i) => [`${topics[t]}:${i}`, i % 2 === 1])));
    // Never back to the sender, never twice.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(senders.every((s) => s.inbox.length === 0)).toBe(true);
    expect(made.map(({ adapter }) => adapter.stats.failed)).toEqual([0, 0]);
    expect(made[1].adapter.stats.received).toBe(topics.length * sent.length);
  } finally {
    for (const c of clients) c.terminate();
    for (const { server, adapter } of made) {
      await closeServer(server);
      await adapter.close();
    }
  }
}, 50_000);
