/**
 * Worker processes on one machine: N processes serve one port through
 * `node:cluster`, a publish in any worker reaches subscribers in every
 * worker, and a worker that dies is replaced while the others keep serving.
 *
 * Connections (`balance`): where Node has `reusePort` (>= 22.12 / 23.1, on
 * Linux) each worker listens on its own `SO_REUSEPORT` socket and the kernel
 * picks one by a hash of the client's address and port; elsewhere the primary
 * accepts them and hands them to the workers in turn (cluster's round-robin).
 * Measured (bench/scale.bench.mjs, docs/scaling.md): on a loaded machine the
 * round-robin skews badly now and then (the primary skips a worker that has
 * not taken its last connection yet: 191/809 of 1,000 at worst), the hash
 * never did (±3.5% at worst), and it saves the hop through the primary.
 * (`SCHED_NONE`, every worker accepting on one shared socket, was worst.)
 *
 * Publishes: each worker's `WorkerAdapter` sends what it publishes to the
 * primary over the cluster IPC channel, one batch per tick; the primary
 * forwards each batch to the other workers that have subscribers of its
 * topics. IPC channels are ordered, so messages from one worker arrive in
 * order; a message to a worker that is being replaced is lost (at most once).
 * For several machines use the Redis adapter in every worker instead.
 */
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import type { Adapter, AdapterHost } from './adapter.js';

/** IPC messages, tagged so they cannot be confused with an application's own. */
const TAG = 'wsframe:topics';

type Publish = [topic: string, payload: Uint8Array, binary: boolean];
type Message =
  | { [TAG]: 'publish'; batch: Publish[] }
  | { [TAG]: 'subscribe' | 'unsubscribe'; topic: string }
  | { [TAG]: 'listening'; address: string; port: number };

function isMessage(message: unknown): message is Message {
  return typeof message === 'object' && message !== null && TAG in message;
}

/** How the workers share the port's connections (see the module comment). */
export type Balance = 'reusePort' | 'round-robin';

/** Whether this Node can listen with `reusePort`: 22.12 or later in 22, 23.1 or later, on Linux. */
export function hasReusePort(version = process.versions.node, platform = process.platform): boolean {
  const [major, minor] = version.split('.').map(Number);
  return platform === 'linux' && (major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12));
}

/** Environment variables the pool gives its workers: the balance, and the port reserved for them. */
const ENV_BALANCE = 'WSFRAME_WORKERS_BALANCE';
const ENV_PORT = 'WSFRAME_WORKERS_PORT';

export interface WorkersOptions {
  /** Worker processes. Default: one per CPU (`os.availableParallelism()`). */
  workers?: number;
  /** Least time between two replacements of crashed workers, in ms (a crash loop does not spin). Default 1000. */
  restartDelay?: number;
  /** How connections are spread. Default `'reusePort'` where Node has it (`hasReusePort()`), else `'round-robin'`. */
  balance?: Balance;
  /**
   * The port the workers listen on, when it is 0 (any free port) and the balance is `'reusePort'`: every worker
   * binds its own socket, so the primary reserves one free port first and hands it to all of them (`workerListenOptions`).
   */
  port?: number;
  /** The address of that reservation. Default `'127.0.0.1'`. */
  host?: string;
}

/**
 * In a worker: the listen options for `createServer` (`{ ...workerListenOptions(9001), adapter }`): the port (the one the
 * pool reserved when `port` is 0) and `reusePort` when the pool balances with it. Elsewhere: `{ port }`.
 */
export function workerListenOptions(port: number): { port: number; reusePort?: boolean } {
  if (!cluster.isWorker || process.env[ENV_BALANCE] !== 'reusePort') return { port };
  return { port: port === 0 && process.env[ENV_PORT] ? Number(process.env[ENV_PORT]) : port, reusePort: true };
}

/**
 * The primary's view of the workers. Events: `'error'` (the port could not be reserved), `'listening' (address, port)`
 * once every first-generation worker listens, `'exit' (worker, code, signal, replaced)`
 * when one dies, `'fork' (worker)` for each (re)started worker.
 */
export class WorkerPool extends EventEmitter {
  private readonly interest = new Map<string, Set<Worker>>();
  private stopping = false;
  private lastRestart = 0;
  private waitingToListen: number;

  /** Environment of every worker: how to listen. */
  private readonly env: Record<string, string>;
  /** The reserved port's socket (reusePort on port 0), closed once every first worker listens. */
  private reservation: net.Server | null = null;

  constructor(readonly size: number, private readonly restartDelay: number, readonly balance: Balance, port?: number, host?: string) {
    super();
    this.waitingToListen = size;
    this.env = { [ENV_BALANCE]: balance };
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    if (balance !== 'reusePort' || port !== 0) {
      this.forkAll();
      return;
    }
    // Reserve a port for the workers: bound with reusePort it lets them bind it too, and no other program can
    // take it meanwhile. Nobody knows the port before 'listening', so closing it then drops no connection.
    this.reservation = net.createServer();
    this.reservation.on('error', (error) => this.emit('error', error));
    this.reservation.listen({ port: 0, host: host ?? '127.0.0.1', reusePort: true, exclusive: true } as net.ListenOptions, () => {
      this.env[ENV_PORT] = String((this.reservation!.address() as net.AddressInfo).port);
      this.forkAll();
    });
  }

  private forkAll(): void {
    for (let i = 0; i < this.size; i++) this.fork();
  }

  private fork(): void {
    // 'advanced' serialization: payloads cross IPC as bytes, not as JSON arrays of numbers.
    cluster.setupPrimary({ serialization: 'advanced' });
    const worker = cluster.fork(this.env);
    worker.on('message', (message: unknown) => {
      if (isMessage(message)) this.onMessage(worker, message);
    });
    this.emit('fork', worker);
  }

  private onMessage(from: Worker, message: Message): void {
    switch (message[TAG]) {
      case 'publish':
        this.forward(from, message.batch);
        break;
      case 'subscribe': {
        let workers = this.interest.get(message.topic);
        if (workers === undefined) this.interest.set(message.topic, (workers = new Set()));
        workers.add(from);
        break;
      }
      case 'unsubscribe':
        this.leave(from, message.topic);
        break;
      case 'listening':
        if (--this.waitingToListen === 0) {
          this.reservation?.close();
          this.reservation = null;
          this.emit('listening', message.address, message.port);
        }
        break;
    }
  }

  /** Sends each worker the part of a batch it has subscribers for, in order. */
  private forward(from: Worker, batch: Publish[]): void {
    const parts = new Map<Worker, Publish[]>();
    for (const publish of batch) {
      const workers = this.interest.get(publish[0]);
      if (workers === undefined) continue;
      for (const worker of workers) {
        if (worker === from) continue;
        const part = parts.get(worker);
        if (part === undefined) parts.set(worker, [publish]);
        else part.push(publish);
      }
    }
    for (const [worker, part] of parts) {
      if (worker.isConnected()) worker.send({ [TAG]: 'publish', batch: part } satisfies Message);
    }
  }

  private leave(worker: Worker, topic: string): void {
    const workers = this.interest.get(topic);
    if (workers === undefined) return;
    workers.delete(worker);
    if (workers.size === 0) this.interest.delete(topic);
  }

  private onExit(worker: Worker, code: number, signal: string): void {
    for (const topic of [...this.interest.keys()]) this.leave(worker, topic);
    this.emit('exit', worker, code, signal, !this.stopping);
    if (this.stopping) return;
    const wait = Math.max(0, this.lastRestart + this.restartDelay - Date.now());
    this.lastRestart = Date.now() + wait;
    setTimeout(() => {
      if (!this.stopping) this.fork();
    }, wait);
  }

  /** The live workers. */
  get workers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  }

  /** Stops every worker (SIGTERM, then SIGKILL after `timeout` ms) and resolves when all have exited. */
  async stop(timeout = 5000): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers.map((worker) => new Promise<void>((resolve) => {
      if (worker.isDead()) {
        resolve();
        return;
      }
      worker.once('exit', () => resolve());
      worker.process.kill('SIGTERM');
      setTimeout(() => worker.process.kill('SIGKILL'), timeout).unref();
    })));
  }
}

/**
 * Runs `start` in `workers` processes serving one port. Call it at the top of
 * your entry script: in the primary it forks the workers (running the same
 * script) and returns the `WorkerPool`; in a worker it calls `start` with a
 * `WorkerAdapter` to give to `createServer({ adapter })`, and returns null.
 */
export function runWorkers(options: WorkersOptions, start: (adapter: WorkerAdapter) => void): WorkerPool | null {
  if (cluster.isWorker) {
    start(new WorkerAdapter());
    return null;
  }
  return startWorkerPool(options);
}

/** In the primary: forks the workers (running this process's script with its arguments) and keeps them running. */
export function startWorkerPool(options: WorkersOptions = {}): WorkerPool {
  if (!cluster.isPrimary) throw new Error('startWorkerPool runs in the cluster primary');
  const size = options.workers ?? os.availableParallelism();
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`workers must be a positive integer, got ${String(size)}`);
  const balance = options.balance ?? (hasReusePort() ? 'reusePort' : 'round-robin');
  if (balance === 'reusePort' && !hasReusePort()) throw new Error(`balance 'reusePort' needs Node >= 22.12 / 23.1 on Linux (this is ${process.version} on ${process.platform})`);
  return new WorkerPool(size, options.restartDelay ?? 1000, balance, options.port, options.host);
}

/** A worker's link to the other workers, through the cluster primary. */
export class WorkerAdapter implements Adapter {
  private host: AdapterHost | null = null;
  private batch: Publish[] = [];
  private readonly onMessage = (message: unknown): void => {
    if (!isMessage(message) || message[TAG] !== 'publish' || this.host === null) return;
    for (const [topic, payload, binary] of message.batch) this.host.deliver(topic, payload, binary);
  };

  constructor() {
    if (!cluster.isWorker) throw new Error('WorkerAdapter runs in a cluster worker (see runWorkers)');
    process.on('message', this.onMessage);
  }

  attach(host: AdapterHost): void {
    this.host = host;
    for (const topic of host.topics()) this.subscribe(topic);
  }

  subscribe(topic: string): void {
    send({ [TAG]: 'subscribe', topic });
  }

  unsubscribe(topic: string): void {
    send({ [TAG]: 'unsubscribe', topic });
  }

  publish(topic: string, payload: Uint8Array, binary: boolean): void {
    if (this.batch.length === 0) process.nextTick(() => this.flush());
    // Copy: the payload may be a view into memory reused after this call (a read buffer).
    this.batch.push([topic, Uint8Array.prototype.slice.call(payload), binary]);
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length > 0) send({ [TAG]: 'publish', batch });
  }

  async close(): Promise<void> {
    this.flush();
    process.off('message', this.onMessage);
  }
}

/** In a worker: tells the primary this worker listens (the pool emits 'listening' once all first workers do). */
export function reportListening(address: string, port: number): void {
  if (cluster.isWorker) send({ [TAG]: 'listening', address, port });
}

function send(message: Message): void {
  if (process.connected) process.send!(message);
}
