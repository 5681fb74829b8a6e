/**
 * Sharded pub/sub on a real Redis Cluster: three redis-servers in cluster mode
 * (Debian's, on free loopback ports, no persistence, started and stopped
 * here), two servers whose Redis adapters connect to the cluster with
 * `sharded: true`. Each topic's channel lives only on the shard that owns
 * its slot, and publishes cross between the servers, in order.
 *
 * Then a shard dies in the middle of a stream: one master (there are no
 * replicas) is killed with SIGKILL, as a crash; its slots have no owner
 * until it is back. Topics on the other shards keep flowing, even once the
 * cluster reports itself failed (Redis 7 serves sharded pub/sub for a node's
 * own slots while the cluster is down). Publishes to topics on the dead
 * shard are reported, never queued. Both adapters announce their publishing
 * and subscribing connections down (each has both to the dead shard), once.
 * Once the master is back (its nodes.conf keeps its slots), those topics flow
 * again, and the adapters announce both up, then ready. At most once, in order
 * (docs/scaling.md): every receiver sees increasing sequence numbers, never
 * a duplicate; the other shards' topics lose nothing.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../../scripts/redis-server.mjs';
import { createRedisAdapter, PublishError, type RedisAdapter } from '../../src/scale/redis.js';
import type { WebSocketServer } from '../../src/server/index.js';
import { closeServer, listen } from '../server/helpers.js';
import { announcements, openInbox, until } from './support.js';

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

interface Made {
  server: WebSocketServer;
  url: string;
  adapter: RedisAdapter;
}

/**
 * Two servers (pushed to `made`, for `stopServers`) whose adapters each know one node of `nodeUrls` (the cluster
 * client discovers the others); a client of `/<topic>` is subscribed to it and publishes to it.
 */
async function startServers(nodeUrls: string[], made: Made[], onError?: (error: Error) => void, healthCheck?: number): Promise<void> {
  for (const node of nodeUrls) {
    const adapter = await createRedisAdapter({ cluster: [node], sharded: true, healthCheck });
    if (onError) adapter.on('error', onError);
    const { server, url } = await listen({ adapter });
    server.on('connection', (ws, req) => {
      const topic = (req.url ?? '/').slice(1);
      ws.subscribe(topic);
      ws.on('message', (data, isBinary) => ws.publish(topic, data, { binary: isBinary }));
    });
    made.push({ server, url, adapter });
  }
}

async function stopServers(made: Made[], clients: Client[]): Promise<void> {
  for (const c of clients) c.terminate();
  for (const { server, adapter } of made) {
    await closeServer(server);
    await adapter.close();
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
  const made: Made[] = [];
  const clients: Client[] = [];
  try {
    await startServers(cluster.urls.slice(0, 2), made);
    const join = (url: string) => openInbox(url, clients);
    const senders = await Promise.all(topics.map((topic) => join(`${made[0].url}/${topic}`)));
    const receivers = await Promise.all(topics.map((topic) => join(`${made[1].url}/${topic}`)));

    // Once both adapters' subscriptions are confirmed (each by its channel's shard), every channel is subscribed on
    // its own shard, and only there.
    await Promise.all(made.flatMap(({ adapter }) => topics.map((topic) => adapter.subscribed(topic))));
    const expected = new Map<string, string[]>();
    for (const topic of topics) {
      const owner = cluster.nodeOf(`wsframe:${topic}`);
      expected.set(owner, [...(expected.get(owner) ?? []), `wsframe:${topic}`].sort());
    }
    const held = Object.fromEntries(await Promise.all(cluster.urls.map(async (url) => [url, await shardChannels(url)] as const)));
    const want = Object.fromEntries(cluster.urls.map((url) => [url, expected.get(url) ?? []]));
    expect(held).toEqual(want);
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
    await stopServers(made, clients);
  }
}, 50_000);

/** The sequence numbers in an inbox (probes left out). */
const numbers = (inbox: Array<[string, boolean]>): number[] => inbox.filter(([m]) => m !== 'probe').map(([m]) => Number(m));

it('keeps the other shards\' topics flowing when a shard\'s master dies, reports publishes to the dead shard, and recovers its topics when it is back', async () => {
  const VICTIM = 0;
  const victimUrl = cluster.urls[VICTIM];
  // Two topics on the victim's shard, two elsewhere.
  const lost: string[] = [];
  const kept: string[] = [];
  for (let i = 0; lost.length < 2 || kept.length < 2; i++) {
    const list = cluster.nodeOf(`wsframe:topic${i}`) === victimUrl ? lost : kept;
    if (list.length < 2) list.push(`topic${i}`);
  }
  const topics = [...lost, ...kept];
  const made: Made[] = [];
  const clients: Client[] = [];
  const errors: PublishError[] = [];
  let stream: NodeJS.Timeout | undefined;
  try {
    // Each adapter is pointed at a node that survives.
    await startServers(cluster.urls.filter((_, i) => i !== VICTIM), made, (error) => {
      if (error instanceof PublishError) errors.push(error);
    });
    const senders = await Promise.all(topics.map((topic) => openInbox(`${made[0].url}/${topic}`, clients)));
    const receivers = await Promise.all(topics.map((topic) => openInbox(`${made[1].url}/${topic}`, clients)));
    // What each adapter announces: each kind of connection down once, up once, then 'ready'.
    const seen = made.map(({ adapter }) => announcements(adapter));
    // Subscribed across the cluster once a probe of every topic has crossed.
    const probe = setInterval(() => senders.forEach((s) => s.client.send('probe')), 50);
    try {
      await until(() => receivers.every((r) => r.inbox.length > 0), 10_000);
    } finally {
      clearInterval(probe);
    }

    // The stream: every 10 ms, the next sequence number on every topic.
    let sent = 0;
    stream = setInterval(() => {
      sent++;
      for (const s of senders) s.client.send(String(sent));
    }, 10);
    const receivedAfter = (t: number, seq: number) => numbers(receivers[t].inbox).some((n) => n > seq);
    const all = topics.map((_, t) => t);
    const keptOnes = all.filter((t) => kept.includes(topics[t]));
    const lostOnes = all.filter((t) => lost.includes(topics[t]));
    await until(() => all.every((t) => receivedAfter(t, 20)), 10_000);

    // The victim dies. The cluster notices within its node timeout (5 s) and reports itself failed.
    await cluster.nodes[VICTIM].kill();
    const killedAt = sent;
    for (const end = Date.now() + 15_000; (await cluster.state(1)) !== 'fail';) {
      if (Date.now() > end) throw new Error('the cluster did not report the failed shard');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const failedAt = sent;
    // Both adapters have both kinds of connection to the dead shard (its topics' publishes and subscriptions).
    await until(() => made.every(({ adapter }) => adapter.state.publish === 'down' && adapter.state.subscribe === 'down'));
    expect(made.map(({ adapter }) => adapter.isReady)).toEqual([false, false]);
    // The other shards' topics still flow, with the cluster failed.
    await until(() => keptOnes.every((t) => receivedAfter(t, failedAt)), 10_000);
    // Publishes to the dead shard's topics were reported, and only those.
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors.map((e) => e.topic))).toEqual(new Set(lost));
    // Nothing of the dead shard's topics arrived since shortly after the kill (what was in flight may have).
    const lastBeforeRestart = lostOnes.map((t) => Math.max(...numbers(receivers[t].inbox)));
    expect(lastBeforeRestart.every((n) => n < failedAt)).toBe(true);

    // The master is back with its slots: its topics flow again.
    await cluster.restart(VICTIM);
    const restartedAt = sent;
    await until(() => lostOnes.every((t) => receivedAfter(t, restartedAt)), 15_000);
    const errorsAfterRecovery = errors.length;
    await until(() => made.every(({ adapter }) => adapter.isReady));
    for (const list of seen) {
      expect(list.slice(0, 2).sort()).toEqual(['down publish', 'down subscribe']);
      expect(list.slice(2, 4).sort()).toEqual(['up publish', 'up subscribe']);
      expect(list.slice(4)).toEqual(['ready']);
    }

    clearInterval(stream);
    stream = undefined;
    await until(() => keptOnes.every((t) => Math.max(...numbers(receivers[t].inbox)) === sent), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const t of all) {
      const got = numbers(receivers[t].inbox);
      // In order, never twice.
      expect(got.every((n, i) => i === 0 || n > got[i - 1])).toBe(true);
      if (keptOnes.includes(t)) {
        // The other shards lost nothing: every number from the first received to the last sent.
        expect(got).toEqual(Array.from({ length: sent - got[0] + 1 }, (_, i) => got[0] + i));
      } else {
        // The dead shard's topic: a gap around the outage (at most once), whole before and after it.
        const gaps = got.filter((n, i) => i > 0 && n !== got[i - 1] + 1);
        expect(gaps.length).toBe(1);
        expect(gaps[0]).toBeGreaterThan(killedAt);
        expect(got.at(-1)).toBe(sent);
      }
    }
    // Once recovered, publishes are confirmed again: no new failures.
    expect(errors.length).toBe(errorsAfterRecovery);
    expect(senders.every((s) => s.inbox.length === 0)).toBe(true);
  } finally {
    if (stream !== undefined) clearInterval(stream);
    await stopServers(made, clients);
  }
}, 55_000);

it('declares the connections to a frozen master down (health check), and brings its topics back after SIGCONT', async () => {
  const VICTIM = 1;
  const victim = cluster.nodes[VICTIM];
  let topic = '';
  for (let i = 0; topic === ''; i++) if (cluster.nodeOf(`wsframe:frozen${i}`) === cluster.urls[VICTIM]) topic = `frozen${i}`;
  const made: Made[] = [];
  const clients: Client[] = [];
  try {
    // PINGs every 200 ms; a connection silent 400 ms more is lost. Each adapter is pointed at a node that stays up.
    await startServers(cluster.urls.filter((_, i) => i !== VICTIM), made, () => {}, 600);
    const sender = await openInbox(`${made[0].url}/${topic}`, clients);
    const receiver = await openInbox(`${made[1].url}/${topic}`, clients);
    const crosses = async () => {
      const before = receiver.inbox.length;
      const probe = setInterval(() => sender.client.send('probe'), 50);
      try {
        await until(() => receiver.inbox.length > before, 15_000);
      } finally {
        clearInterval(probe);
      }
    };
    await crosses();
    const seen = made.map(({ adapter }) => announcements(adapter));
    // SIGSTOP: the master keeps its sockets open and answers nothing (the cluster itself notices only after 5 s).
    process.kill(victim.pid, 'SIGSTOP');
    try {
      await until(() => seen.every((list) => list.includes('down publish') && list.includes('down subscribe')));
    } finally {
      process.kill(victim.pid, 'SIGCONT');
    }
    await until(() => made.every(({ adapter }) => adapter.isReady), 15_000);
    for (const list of seen) expect([...list].sort()).toEqual(['down publish', 'down subscribe', 'ready', 'up publish', 'up subscribe']);
    await crosses(); // the frozen shard's topic flows again
  } finally {
    process.kill(victim.pid, 'SIGCONT');
    await stopServers(made, clients);
  }
}, 40_000);
