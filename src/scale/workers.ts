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
 *
 * Subscriptions: a worker tells the primary when a topic gets its first local
 * subscriber ('subscribe') and loses its last ('unsubscribe'); the primary
 * forwards a publish only to the workers it knows subscribe, so what another
 * worker publishes before this worker's 'subscribe' reaches the primary is
 * not delivered here. The primary acknowledges each 'subscribe' once it has
 * recorded it ('subscribed', echoing the subscribe's id), on the channel it
 * forwards publishes on: every publish it forwards after the acknowledgement
 * includes this worker. `WorkerAdapter.subscribed(topic)` resolves on the
 * acknowledgement of the topic's current subscription (the ids tell a stale
 * one, of a subscription since dropped, from it). A worker whose adapter
 * closes says so ('closed'): the primary forgets its subscriptions, as it
 * does a worker's that exits, and forwards it nothing more.
 */
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import type { Adapter, AdapterHost } from './adapter.js';
import { Confirmations, type Confirmation } from './confirmations.js';

/** IPC messages, tagged so they cannot be confused with an application's own. */
const TAG = 'wsframe:topics';

type Publish = [topic: string, payload: Uint8Array, binary: boolean];
type Message =
  | { [TAG]: 'publish'; batch: Publish[] }
  | { [TAG]: 'subscribe'; topic: string; id: number }
  | { [TAG]: 'unsubscribe'; topic: string }
  | { [TAG]: 'subscribed'; id: number }
  | { [TAG]: 'closed' }
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
        // Recorded: every batch forwarded from now on includes `from`, and reaches it after this acknowledgement.
        if (from.isConnected()) from.send({ [TAG]: 'subscribed', id: message.id } satisfies Message);
        break;
      }
      case 'unsubscribe':
        this.leave(from, message.topic);
        break;
      case 'closed':
        this.forget(from);
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

  /** `worker` subscribes to nothing any more (its adapter closed, or it exited): no batch is forwarded to it. */
  private forget(worker: Worker): void {
    for (const topic of [...this.interest.keys()]) this.leave(worker, topic);
  }

  private onExit(worker: Worker, code: number, signal: string): void {
    this.forget(worker);
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
  private closed = false;
  /** Per topic with local subscribers: the primary's acknowledgement of its subscription (what `subscribed` returns). */
  private readonly confirmations = new Confirmations('the cluster primary');
  /**
   * Subscribes sent and not yet acknowledged, by id. A topic dropped and subscribed again before the first
   * acknowledgement has two here: the first one's confirmation is rejected already, so its acknowledgement settles
   * nothing, and only the second one's resolves `subscribed`.
   */
  private readonly unacknowledged = new Map<number, Confirmation>();
  private lastId = 0;

  private readonly onMessage = (message: unknown): void => {
    if (!isMessage(message)) return;
    if (message[TAG] === 'subscribed') {
      this.unacknowledged.get(message.id)?.confirm();
      this.unacknowledged.delete(message.id);
    } else if (message[TAG] === 'publish' && this.host !== null) {
      for (const [topic, payload, binary] of message.batch) this.host.deliver(topic, payload, binary);
    }
  };

  /** The IPC channel closed (a disconnect): no acknowledgement can come, nor any other worker's message. */
  private readonly onDisconnect = (): void => {
    this.unacknowledged.clear();
    this.confirmations.end("The worker's IPC channel to the cluster primary");
  };

  constructor() {
    if (!cluster.isWorker) throw new Error('WorkerAdapter runs in a cluster worker (see runWorkers)');
    process.on('message', this.onMessage);
    process.on('disconnect', this.onDisconnect);
  }

  attach(host: AdapterHost): void {
    this.host = host;
    for (const topic of host.topics()) this.subscribe(topic);
  }

  subscribe(topic: string): void {
    if (this.closed) return;
    const confirmation = this.confirmations.open(topic);
    const id = ++this.lastId;
    if (send({ [TAG]: 'subscribe', topic, id })) this.unacknowledged.set(id, confirmation);
  }

  /**
   * Resolves once the cluster primary has recorded this worker's subscription to `topic` (at once if it has
   * already): from then on, what other workers publish to `topic` reaches this worker's subscribers. The server
   * subscribes when a topic gets its first local subscriber, synchronously within `ws.subscribe(topic)`, so
   * `ws.subscribe(topic); await adapter.subscribed(topic)` tells when `ws` will get other workers' messages
   * (before that, the primary forwards them to the workers it knows subscribe, not yet to this one: at most once).
   * Needs the primary of `runWorkers` / `startWorkerPool`, which acknowledges each subscription.
   * @throws {Error} (as a rejection) when `topic` has no local subscriber (no subscription is being made), when
   * the topic lost its last local subscriber before the primary confirmed, when the adapter is (or gets) closed,
   * or when the worker's IPC channel to the primary is (or gets) closed (a disconnect) before the primary confirmed
   */
  subscribed(topic: string): Promise<void> {
    return this.confirmations.of(topic);
  }

  unsubscribe(topic: string): void {
    if (this.closed) return;
    this.confirmations.drop(topic);
    send({ [TAG]: 'unsubscribe', topic });
  }

  publish(topic: string, payload: Uint8Array, binary: boolean): void {
    if (this.closed) return;
    if (this.batch.length === 0) process.nextTick(() => this.flush());
    // Copy: the payload may be a view into memory reused after this call (a read buffer).
    this.batch.push([topic, Uint8Array.prototype.slice.call(payload), binary]);
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (batch.length > 0) send({ [TAG]: 'publish', batch });
  }

  /**
   * Stops: what was published in this tick still goes out, then the primary is told to forget this worker's
   * subscriptions (it forwards nothing more here); nothing in or out after this.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    send({ [TAG]: 'closed' });
    this.closed = true;
    process.off('message', this.onMessage);
    process.off('disconnect', this.onDisconnect);
    this.unacknowledged.clear();
    this.confirmations.end('The worker adapter');
  }
}

/** In a worker: tells the primary this worker listens (the pool emits 'listening' once all first workers do). */
export function reportListening(address: string, port: number): void {
  if (cluster.isWorker) send({ [TAG]: 'listening', address, port });
}

/** Sends `message` to the primary; false when the IPC channel is closed (nothing sent). */
function send(message: Message): boolean {
  if (!process.connected) return false;
  process.send!(message);
  return true;
}
