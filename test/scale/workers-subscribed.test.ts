/**
 * `WorkerAdapter.subscribed` and `close` on real cluster workers: two (or three) workers under the built
 * `startWorkerPool` (test/scale/subscribing-workers.mjs), each a server driven by its WebSocket clients' commands. A
 * worker's subscribe reaches the primary late when a large IPC message (ballast) is ahead of it on its channel; a
 * publish from the other worker made as soon as `subscribed` resolves must still reach the new subscriber.
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

/** A pool of `n` workers on the Node binary `node` and a client on each (connecting until every worker has taken one). */
async function workers(n: number, node = process.execPath): Promise<Driver[]> {
  const pool = await startListening(node, fixture, String(n));
  pools.push(pool);
  const drivers: Driver[] = [];
  while (drivers.length < n) {
    const driver = await connect(pool.url);
    if (drivers.every((other) => other.pid !== driver.pid)) drivers.push(driver);
  }
  return drivers;
}

/** `workers(2, node)`. */
async function twoWorkers(node = process.execPath): Promise<[Driver, Driver]> {
  const [first, second] = await workers(2, node);
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

it("once a worker's adapter closes, the primary forwards it nothing more; the other workers still get theirs", async () => {
  const [a, b, c] = await workers(3);
  for (const driver of [a, b]) {
    for (const topic of ['room', 'hall']) {
      driver.send(`join ${topic}`);
      expect(await nextLine(driver)).toBe(`subscribed ${topic}`);
    }
  }
  c.send('publish room before');
  for (const driver of [a, b]) expect(await nextLine(driver)).toBe('before');
  a.send('leave'); // answered once the primary has handled the close
  expect(await nextLine(a)).toBe('closed');
  c.send('publish room after');
  c.send('publish hall after');
  expect([await nextLine(b), await nextLine(b)]).toEqual(['after', 'after']);
  // b got them: the primary has handled both publishes, and whatever it sent a for them is ahead of the answer.
  a.send('heard');
  expect(await nextLine(a)).toBe('heard 0');
  expect([a.inbox, b.inbox, c.inbox]).toEqual([[], [], []]);
});
