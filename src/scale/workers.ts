/**
 * Worker processes on one machine: N processes serve one port through
 * `node:cluster`, a publish in any worker reaches subscribers in every
 * worker, and a worker that dies is replaced while the others keep serving.
 *
 * Connections: the primary accepts them and hands them to the workers in
 * turn (cluster's round-robin, its default on Linux), which spreads them
 * evenly; `SCHED_NONE` leaves the choice to the kernel, which on Linux piles
 * them on few workers (measured in bench/workers.bench.mjs, docs/scaling.md).
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

export interface WorkersOptions {
  /** Worker processes. Default: one per CPU (`os.availableParallelism()`). */
  workers?: number;
  /** Least time between two replacements of crashed workers, in ms (a crash loop does not spin). Default 1000. */
  restartDelay?: number;
}

/**
 * The primary's view of the workers. Events: `'listening' (address, port)`
 * once every first-generation worker listens, `'exit' (worker, code, signal, replaced)`
 * when one dies, `'fork' (worker)` for each (re)started worker.
 */
export class WorkerPool extends EventEmitter {
  private readonly interest = new Map<string, Set<Worker>>();
  private stopping = false;
  private lastRestart = 0;
  private waitingToListen: number;

  constructor(readonly size: number, private readonly restartDelay: number) {
    super();
    this.waitingToListen = size;
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    for (let i = 0; i < size; i++) this.fork();
  }

  private fork(): void {
    // 'advanced' serialization: payloads cross IPC as bytes, not as JSON arrays of numbers.
    cluster.setupPrimary({ serialization: 'advanced' });
    const worker = cluster.fork();
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
        if (--this.waitingToListen === 0) this.emit('listening', message.address, message.port);
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
  return new WorkerPool(size, options.restartDelay ?? 1000);
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
