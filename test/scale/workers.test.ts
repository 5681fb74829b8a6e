/**
 * `wsframe relay --workers 2`: two worker processes serve one port, a message
 * published in one worker reaches subscribers in the other, and a killed
 * worker is replaced while the other keeps serving.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WS, next } from '../server/helpers.js';
import { childPids, startRelay, until, type RelayProcess } from './support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = any;

let relay: RelayProcess;
const clients: Client[] = [];
beforeAll(async () => {
  relay = await startRelay('--workers', '2');
});
afterAll(async () => {
  for (const c of clients) c.terminate();
  await relay?.stop();
});

type Member = { client: Client; inbox: string[]; closed: Promise<unknown[]> };

async function join(topic: string): Promise<Member> {
  const client = new WS(`${relay.url}/${topic}`);
  clients.push(client);
  const inbox: string[] = [];
  client.on('message', (data: Buffer) => inbox.push(data.toString()));
  client.on('error', () => {});
  const closed = next(client, 'close');
  await next(client, 'open');
  return { client, inbox, closed };
}

it('serves one port from two workers, fans out across them, and replaces a killed worker', async () => {
  const workers = childPids(relay.child.pid!);
  expect(workers.length).toBe(2);
  // Round-robin: consecutive connections alternate between the workers.
  const members: Member[] = [];
  for (let i = 0; i < 10; i++) members.push(await join('room'));
  await new Promise((resolve) => setTimeout(resolve, 100)); // subscriptions reach the primary
  members[0].client.send('hello');
  await until(() => members.slice(1).every((m) => m.inbox.length === 1));
  expect(members[0].inbox).toEqual([]);
  expect(members.slice(1).every((m) => m.inbox[0] === 'hello')).toBe(true);

  // Kill one worker: its clients lose their connection, the other worker's keep talking.
  const victim = workers[0];
  process.kill(victim, 'SIGKILL');
  const outcomes = await Promise.all(
    members.map((m) => Promise.race([m.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 1000))])),
  );
  const survivors = members.filter((_, i) => outcomes[i] === 'open');
  expect(survivors.length).toBeGreaterThanOrEqual(4); // about half, in the worker still running
  expect(survivors.length).toBeLessThanOrEqual(6);
  for (const m of survivors) m.inbox.length = 0;
  survivors[0].client.send('still here');
  await until(() => survivors.slice(1).every((m) => m.inbox.length === 1));

  // A replacement starts; new connections reach both workers again, and messages cross between old and new.
  await until(() => childPids(relay.child.pid!).length === 2 && !childPids(relay.child.pid!).includes(victim));
  expect(relay.stderr()).toMatch(new RegExp(`worker ${victim} exited \\(SIGKILL\\); starting another`));
  await new Promise((resolve) => setTimeout(resolve, 500)); // the replacement listens
  const fresh: Member[] = [];
  for (let i = 0; i < 4; i++) fresh.push(await join('room'));
  await new Promise((resolve) => setTimeout(resolve, 100));
  survivors[0].client.send('welcome');
  await until(() => fresh.every((m) => m.inbox.includes('welcome')));
  fresh[0].client.send('hi from the new ones');
  await until(() => survivors.every((m) => m.inbox.includes('hi from the new ones')));
}, 60_000);
