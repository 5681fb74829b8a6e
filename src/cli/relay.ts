/**
 * `wsframe relay`: a ready fan-out server (see src/scale/relay.ts), on one
 * process, on N worker processes (`--workers`), or joined to relays on other
 * machines through Redis (`--redis`).
 */
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { Adapter } from '../scale/adapter.js';
import { createRedisAdapter } from '../scale/redis.js';
import { createRelayServer } from '../scale/relay.js';
import { WorkerAdapter, reportListening, startWorkerPool, workerListenOptions } from '../scale/workers.js';
import { DEFAULT_REMINDER, reportRedis } from './redis-report.js';
import { deflateOption, deflateValue, integerOption, listenAddress, listenOptions, listeningUrl, UsageError, type Command } from './command.js';
import type { ServerOptions } from '../server/server.js';

function workersOption(value: string | boolean | undefined): number {
  if (value === 'auto') return os.availableParallelism();
  return integerOption('workers', value, 1, 1, 1024);
}

function redisOption(value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^rediss?:\/\//.test(value)) throw new UsageError(`invalid --redis '${String(value)}': expected redis://HOST:PORT`);
  return value;
}

/** Who a line on stderr comes from: the relay, or one of its workers (each has its own Redis connections). */
function who(): string {
  return cluster.isWorker ? `wsframe relay (worker ${process.pid})` : 'wsframe relay';
}

function warn(message: string): void {
  process.stderr.write(`${who()}: ${message}\n`);
}

function fatal(message: string): never {
  warn(message);
  process.exit(1);
}

/** One relay process: a server with the adapter that joins it to the others, if any. */
async function serve(port: number, host: string, redis: string | undefined, reminder: number, perMessageDeflate: ServerOptions['perMessageDeflate']): Promise<void> {
  let adapter: Adapter | undefined;
  if (redis !== undefined) {
    const redisAdapter = await createRedisAdapter({ url: redis });
    reportRedis(redisAdapter, warn, reminder * 1000);
    adapter = redisAdapter;
  } else if (cluster.isWorker) {
    adapter = new WorkerAdapter();
  }
  const server = createRelayServer({ ...workerListenOptions(port), host, adapter, perMessageDeflate }, () => {
    const address = server.address() as AddressInfo;
    if (cluster.isWorker) reportListening(address.address, address.port);
    else process.stdout.write(`wsframe relay listening on ${listeningUrl(address)}${redis ? ` (redis ${redis})` : ''}\n`);
  });
  server.on('error', (error) => fatal(error.message));
  const stop = (): void => {
    server.close(() => {
      void adapter?.close().finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export const relay: Command = {
  name: 'relay',
  summary: 'Run a fan-out relay: a client of /<topic> gets every message other clients of /<topic> send.',
  options: {
    ...listenOptions,
    workers: { type: 'string', value: 'N|auto', description: 'worker processes serving the port (default 1; auto: one per CPU)' },
    redis: { type: 'string', value: 'URL', description: 'join relays on other machines through this Redis (redis://HOST:PORT); stderr says when a Redis connection is lost (a hung Redis within 10 s) and when it is back' },
    'redis-reminder': { type: 'string', value: 'S', description: `during a Redis outage, a "still down" line on stderr every S seconds (default ${DEFAULT_REMINDER / 1000}; 0: none)` },
    deflate: deflateOption('negotiate permessage-deflate; messages of 1 KiB or more go compressed, once for all shared-mode subscribers (mode default: dedicated)'),
  },
  run(values) {
    const { port, host } = listenAddress(values);
    const workers = workersOption(values.workers);
    const redis = redisOption(values.redis);
    const reminder = integerOption('redis-reminder', values['redis-reminder'], DEFAULT_REMINDER / 1000, 0, 86_400);
    const perMessageDeflate = deflateValue(values.deflate);
    if (workers === 1 || cluster.isWorker) {
      serve(port, host, redis, reminder, perMessageDeflate).catch((error: Error) => fatal(error.message));
      return;
    }
    const pool = startWorkerPool({ workers, port, host });
    pool.on('error', (error: Error) => fatal(error.message));
    pool.on('listening', (address: string, listeningPort: number) => {
      const family = address.includes(':') ? 'IPv6' : 'IPv4';
      process.stdout.write(`wsframe relay listening on ${listeningUrl({ address, port: listeningPort, family })} (${workers} workers, ${pool.balance}${redis ? `, redis ${redis}` : ''})\n`);
    });
    pool.on('exit', (worker, code, signal, replaced) => {
      if (replaced) process.stderr.write(`wsframe relay: worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
    });
    const stop = (): void => {
      void pool.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
};
