/**
 * `WorkerAdapter.subscribed` on real cluster workers: two workers under the built `startWorkerPool`
 * (test/scale/subscribing-workers.mjs), each a server driven by its WebSocket clients' commands. A worker's
 * subscribe reaches the primary late when a large IPC message (ballast) is ahead of it on its channel; a publish
 * from the other worker made as soon as `subscribed` resolves must still reach the new subscriber.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { nodeBinary } from '../../scripts/runtimes/node.mjs';
import { closedAfterEach, openInbox, startListening, until, type RelayProcess } from './support.js';

const fixture = fileURLToPath(new URL('./subscribing-workers.mjs', import.meta.url));

/** Bytes of ballast ahead of a subscribe: enough that a publish made without the wait is usually lost (see docs/scaling.md). */
const BALLAST = 8_000_000;

const { clients } = closedAfterEach();
const pools: RelayProcess[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.stop()));
});

/** A client of one worker: its worker's pid, what it received since (text, binary), and `send`. */
interface Driver {
  pid: string;
  inbox: Array<[string, boolean]>;
  send(command: string): void;
}

async function connect(url: string): Promise<Driver> {
  const { client, inbox } = await openInbox(url, clients);
  await until(() => inbox.length > 0);
  const [greeting] = inbox.shift()!;
  expect(greeting).toMatch(/^pid \d+$/);
  return { pid: greeting.slice(4), inbox, send: (command) => client.send(command) };
}

/** A pool of two workers on the Node binary `node` and a client on each (connecting until both workers have taken one). */
async function twoWorkers(node = process.execPath): Promise<[Driver, Driver]> {
  const pool = await startListening(node, fixture);
  pools.push(pool);
  const first = await connect(pool.url);
  let second = await connect(pool.url);
  while (second.pid === first.pid) second = await connect(pool.url);
  return [first, second];
}

/** Waits for the next message `driver` receives, and returns it (all of them are text). */
async function nextLine(driver: Driver): Promise<string> {
  await until(() => driver.inbox.length > 0);
  return driver.inbox.shift()![0];
}

/** As soon as `to`'s next line says `topic` is subscribed, `from` (the other worker) publishes `to <topic>` to it. */
async function publishWhenSubscribed(from: Driver, to: Driver, topic: string): Promise<void> {
  expect(await nextLine(to)).toBe(`subscribed ${topic}`);
  from.send(`publish ${topic} to-${topic}`);
  expect(await nextLine(to)).toBe(`to-${topic}`);
}

it('resolves once the primary has recorded the subscription: a publish from the other worker made then reaches the new subscriber, every time', async () => {
  const [a, b] = await twoWorkers();
  // A new topic each round, its subscribe behind the ballast on a's channel: b's publish, made as soon as a's
  // `subscribed` resolves, reaches the primary after a's subscribe (without the wait it usually came first, lost).
  for (let i = 0; i < 50; i++) {
    a.send(`join fresh${i} ${BALLAST}`);
    await publishWhenSubscribed(b, a, `fresh${i}`);
  }
  // The other way round, without ballast.
  for (let i = 0; i < 20; i++) {
    b.send(`join other${i}`);
    await publishWhenSubscribed(a, b, `other${i}`);
  }
  // Confirmed already: resolves again.
  a.send('subscribed fresh0');
  expect(await nextLine(a)).toBe('subscribed fresh0');
  expect([a.inbox, b.inbox]).toEqual([[], []]);
});

it('rejects for a topic without local subscribers, and when its last subscriber leaves before the primary confirms', async () => {
  const [a, b] = await twoWorkers();
  a.send('subscribed nobody');
  expect(await nextLine(a)).toBe("rejected nobody Topic 'nobody' has no local subscriber: this process is not subscribing to it");
  a.send('brief brief'); // subscribed, then unsubscribed in the same turn: no acknowledgement can have come
  expect(await nextLine(a)).toBe("rejected brief Topic 'brief' lost its last local subscriber before the cluster primary confirmed the subscription");
  a.send('subscribed brief');
  expect(await nextLine(a)).toBe("rejected brief Topic 'brief' has no local subscriber: this process is not subscribing to it");
  // A new subscriber subscribes the topic afresh, and is confirmed.
  a.send('join brief');
  await publishWhenSubscribed(b, a, 'brief');
});

it('resolves for the latest subscription when a topic is subscribed, unsubscribed and subscribed again before the first acknowledgement', async () => {
  const [a, b] = await twoWorkers();
  // The first subscribe is acknowledged at once; the second waits behind the ballast. Resolving on the first
  // acknowledgement would let b's publish reach the primary before the second subscribe: lost.
  for (let i = 0; i < 20; i++) {
    const topic = `again${i}`;
    a.send(`rejoin ${topic} ${BALLAST}`);
    expect(await nextLine(a)).toBe(`rejected ${topic} Topic '${topic}' lost its last local subscriber before the cluster primary confirmed the subscription`);
    await publishWhenSubscribed(b, a, topic);
  }
});

it('rejects once the adapter closes, a confirmation still pending too', async () => {
  const [a] = await twoWorkers();
  a.send('join room');
  expect(await nextLine(a)).toBe('subscribed room');
  a.send('close late'); // subscribed, then the adapter closed in the same turn
  expect(await nextLine(a)).toBe("rejected late The worker adapter closed before the cluster primary confirmed the subscription to topic 'late'");
  a.send('subscribed room');
  expect(await nextLine(a)).toBe("rejected room The worker adapter is closed: no subscription to topic 'room'");
});

it("rejects once the worker's IPC channel to the primary is closed, for a topic confirmed before and one subscribed after (Node 24)", async () => {
  // On Node 24 the pool balances with reusePort: a worker's socket is its own, so it disconnects at once
  // (through cluster's, a disconnect waits for the worker's connections to end).
  const [a] = await twoWorkers(nodeBinary(24));
  a.send('join room');
  expect(await nextLine(a)).toBe('subscribed room');
  a.send('disconnect room');
  expect(await nextLine(a)).toBe("rejected room The worker's IPC channel to the cluster primary is closed: no subscription to topic 'room'");
  expect(await nextLine(a)).toBe("rejected after The worker's IPC channel to the cluster primary is closed: no subscription to topic 'after'");
});
