/**
 * `wsframe relay`: a ready fan-out server (see src/scale/relay.ts), on one
 * process, on N worker processes (`--workers`), or joined to relays on other
 * machines through Redis (`--redis`).
 */
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { Adapter } from '../scale/adapter.js';
import { createRedisAdapter, PublishError, type RedisAdapter } from '../scale/redis.js';
import { createRelayServer } from '../scale/relay.js';
import { WorkerAdapter, reportListening, startWorkerPool, workerListenOptions } from '../scale/workers.js';
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

function fatal(message: string): never {
  process.stderr.write(`wsframe relay: ${message}\n`);
  process.exit(1);
}

/**
 * Prints Redis connection errors as they come, and dropped publishes as one
 * line per second with their count (an outage must not flood the terminal).
 */
function reportRedisErrors(adapter: RedisAdapter): void {
  let dropped = 0;
  let last = '';
  adapter.on('error', (error: Error) => {
    if (!(error instanceof PublishError)) {
      process.stderr.write(`wsframe relay: redis: ${error.message}\n`);
      return;
    }
    if (dropped++ === 0) {
      setTimeout(() => {
        process.stderr.write(`wsframe relay: redis: ${dropped} publish${dropped === 1 ? '' : 'es'} dropped (${last})\n`);
        dropped = 0;
      }, 1000).unref();
    }
    last = error.message;
  });
}

/** One relay process: a server with the adapter that joins it to the others, if any. */
async function serve(port: number, host: string, redis: string | undefined, perMessageDeflate: ServerOptions['perMessageDeflate']): Promise<void> {
  let adapter: Adapter | undefined;
  if (redis !== undefined) {
    const redisAdapter = await createRedisAdapter({ url: redis });
    reportRedisErrors(redisAdapter);
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
    redis: { type: 'string', value: 'URL', description: 'join relays on other machines through this Redis (redis://HOST:PORT)' },
    deflate: deflateOption('negotiate permessage-deflate; messages of 1 KiB or more go compressed, once for all shared-mode subscribers (mode default: dedicated)'),
  },
  run(values) {
    const { port, host } = listenAddress(values);
    const workers = workersOption(values.workers);
    const redis = redisOption(values.redis);
    const perMessageDeflate = deflateValue(values.deflate);
    if (workers === 1 || cluster.isWorker) {
      serve(port, host, redis, perMessageDeflate).catch((error: Error) => fatal(error.message));
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
