/** Helpers for the scale tests: waiting for a condition, `wsframe relay` processes (the built bin) and their children. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { createClient } from 'redis';
import { afterEach } from 'vitest';
import type { RedisAdapter } from '../../src/scale/redis.js';
import { bin } from '../cli/run.js';
import { WS, closeServer, next } from '../server/helpers.js';

/** Servers and clients a test pushes here are closed (clients terminated) after each test. */
export function closedAfterEach<S extends { close(cb: () => void): void }, C extends { terminate(): void }>(): { servers: S[]; clients: C[] } {
  const servers: S[] = [];
  const clients: C[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    await Promise.all(servers.splice(0).map(closeServer));
  });
  return { servers, clients };
}

export interface RelayProcess {
  child: ChildProcess;
  url: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `wsframe relay --port 0 ...args` and resolves once it prints the URL it listens on. */
export function startRelay(...args: string[]): Promise<RelayProcess> {
  return startRelayOn(process.execPath, ...args);
}

/** `startRelay` on the Node binary `node`. */
export function startRelayOn(node: string, ...args: string[]): Promise<RelayProcess> {
  return startListening(node, bin, 'relay', '--port', '0', ...args);
}

/** Runs `node ...args` and resolves once it prints `listening on ws://…` (as the relay does). */
export function startListening(node: string, ...args: string[]): Promise<RelayProcess> {
  const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${stdout} ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}): ${stderr}`)));
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (ws:\/\/\S+)/.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      resolve({
        child,
        url: match[1],
        stderr: () => stderr,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** How many sockets process `pid` holds open (from /proc: a listening socket, its IPC channel, its connections). */
export function socketCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

/** The process ids of `pid`'s children. */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter(Boolean).map(Number);
  } catch {
    return []; // ps exits with 1 when there are none
  }
}

export async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A ws client of `url` (pushed to `clients`, for the caller to terminate) recording what it receives; resolves once open. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function openInbox(url: string, clients: unknown[]): Promise<{ client: any; inbox: Array<[string, boolean]> }> {
  const client = new WS(url);
  clients.push(client);
  const inbox: Array<[string, boolean]> = [];
  client.on('message', (data: Buffer, isBinary: boolean) => inbox.push([data.toString(), isBinary]));
  await next(client, 'open');
  return { client, inbox };
}

/** What `adapter` announces, in order: `'down publish'`, `'up subscribe'`, `'ready'`… */
export function announcements(adapter: RedisAdapter): string[] {
  const seen: string[] = [];
  adapter.on('down', (connection) => seen.push(`down ${connection}`));
  adapter.on('up', (connection) => seen.push(`up ${connection}`));
  adapter.on('ready', () => seen.push('ready'));
  return seen;
}

/**
 * Waits until the Redis at `url` counts `n` subscribers of `channel`: what Redis holds, for counts down to 0 or
 * subscriptions made again after a reconnect. (A first subscription is confirmed to the process that made it by
 * `adapter.subscribed(topic)`; Redis drops what other processes publish to the channel until then.)
 */
export async function redisSubscribers(url: string, channel: string, n: number, sharded = false): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    const count = async () => {
      const reply = sharded ? await client.pubSubShardNumSub(channel) : await client.pubSubNumSub(channel);
      return Number(reply[channel] ?? 0);
    };
    const end = Date.now() + 5000;
    while ((await count()) !== n) {
      if (Date.now() > end) throw new Error(`${channel} never had ${n} subscribers`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await client.close();
  }
}
