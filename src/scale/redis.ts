/**
 * A Redis adapter: server processes on several machines share their topics
 * through Redis pub/sub (or sharded pub/sub, `SPUBLISH`/`SSUBSCRIBE`, for a
 * Redis Cluster), with node-redis (the `redis` package), an optional peer
 * dependency loaded only when an adapter is created.
 *
 * Two connections: one publishes (commands), one subscribes (a connection in
 * subscribe mode runs nothing else). Topic `t` is channel `prefix + t`; a
 * process subscribes to a channel only while it has local subscribers.
 *
 * Guarantees (what Redis pub/sub gives, stated in docs/scaling.md): **at most
 * once, in order per publisher.** Each adapter publishes over one connection,
 * so Redis receives, and every subscriber gets, its messages in publish order.
 * A process receives a topic's messages only once Redis has confirmed its
 * subscription (the SUBSCRIBE goes out asynchronously, on its own connection;
 * what other processes publish before Redis has it is not received):
 * `subscribed(topic)` tells when. Nothing is retried: a publish while the
 * publishing connection is down, or with `maxPending` publishes awaiting
 * Redis's reply, is dropped at once and reported ('error' with a
 * `PublishError`); one in flight when the connection drops is reported
 * failed, though Redis may have delivered it. Messages sent while the
 * subscribing connection is down are not received. After a reconnect,
 * node-redis subscribes again to every channel it had before it reports the
 * connection ready (checked by the fault tests), so delivery resumes without
 * duplicates.
 *
 * Which connection is down is public (`state`, and the `'down'`/`'up'`
 * events name it), because the two outages differ for the user: the
 * publishing one down means this process's publishes are lost; the
 * subscribing one down means only the other processes' messages are.
 *
 * Health check (`healthCheck`, on by default): a path that dies silently (a hung Redis, a peer host gone, a NAT
 * dropping its state) leaves the TCP connection open, and only TCP giving up, many minutes later, would tell. So
 * each connection PINGs Redis when idle (node-redis's `pingInterval`, a third of `healthCheck`) and is treated as
 * lost once it has heard nothing from Redis for the other two thirds (node-redis's `socketTimeout`, which destroys
 * the socket and runs the usual reconnection: 'down', then 'up'/'ready' once Redis answers). node-redis alone has
 * no reply deadline: its PING waits forever, and the socket timeout counts writes as activity, so a connection
 * that keeps publishing to a hung Redis would never time out. Hence the one piece written here: publishes stop
 * going out (dropped and reported) once Redis has left them unanswered for a third of `healthCheck`, which lets
 * the socket timeout run out.
 *
 * Wire format of a message: 1 flag byte (bit 0: binary), the publishing
 * adapter's 8-byte id (so it skips its own messages, delivered locally
 * already), then the payload.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Adapter, AdapterHost } from './adapter.js';
import { Confirmations } from './confirmations.js';

/** Options of `createRedisAdapter`. */
export interface RedisAdapterOptions {
  /** Redis URL, `redis://[user:password@]host:port[/db]`. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * A Redis Cluster instead: URLs of some of its nodes (node-redis's cluster client finds the rest and routes
   * each channel to the shard owning its slot). Use with `sharded: true`. Replaces `url`.
   */
  cluster?: string[];
  /** Channel name prefix: topic `t` is channel `prefix + t`. Default `'wsframe:'`. */
  prefix?: string;
  /**
   * Sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`, Redis 7 or later): in a Redis
   * Cluster a message goes only to the shard owning its channel instead of
   * to every node. Default false.
   */
  sharded?: boolean;
  /** Most publishes awaiting Redis's reply; past it publishes are dropped and reported. Default 4096. */
  maxPending?: number;
  /** Delay before each reconnection attempt, in ms (node-redis retries forever). Default 100. */
  reconnectDelay?: number;
  /**
   * Client name the connections give Redis (`CLIENT SETNAME`), so `CLIENT LIST` shows which is which: one server's
   * are `name + ':publish'` and `name + ':subscribe'`; a cluster's are all `name` (node-redis names every node
   * connection alike). No spaces. Default `'wsframe'`.
   */
  name?: string;
  /**
   * Health check, in ms: a connection that hears nothing from Redis for this long (a hung Redis, or a network path
   * that died silently) is treated as lost ('down', then reconnected like any lost connection). Idle connections
   * PING Redis every third of it; publishes that Redis leaves unanswered for a third of it stop further publishes
   * from going out (each dropped and reported) until Redis answers or the connection is declared lost. Redis must
   * answer a PING within a third of it. An integer from 300 (`MIN_HEALTH_CHECK`) up, or 0 to turn it off (then a
   * silent failure is noticed only when TCP gives up). Default 10000 (`DEFAULT_HEALTH_CHECK`).
   */
  healthCheck?: number;
}

/** One of the adapter's two kinds of Redis connection: the one that publishes, the one that subscribes. */
export type RedisConnection = 'publish' | 'subscribe';

/** Whether a kind of connection is up (`'ready'`) or lost and being reconnected (`'down'`). */
export type RedisConnectionState = 'ready' | 'down';

/** The state of each kind of connection, as `RedisAdapter.state` gives it. */
export type RedisAdapterState = { readonly [connection in RedisConnection]: RedisConnectionState };

/** Default `maxPending`. */
export const DEFAULT_MAX_PENDING = 4096;

/** Default `healthCheck`, in ms: a hung Redis is noticed within 10 s. */
export const DEFAULT_HEALTH_CHECK = 10_000;

/** Smallest `healthCheck` other than 0, in ms: a third of it (100 ms) is the shortest PING interval allowed. */
export const MIN_HEALTH_CHECK = 300;

/** setTimeout's largest delay; a longer `healthCheck` would fire at once. */
const MAX_HEALTH_CHECK = 2 ** 31 - 1;

/**
 * How `healthCheck` splits (see the module comment): the PING interval, which is also how long publishes may go
 * unanswered before further ones are dropped, and the silence after which node-redis destroys the socket.
 * @throws {RangeError} when `healthCheck` is not 0 or an integer from `MIN_HEALTH_CHECK` to 2^31 - 1
 */
function healthCheckTimes(healthCheck: number = DEFAULT_HEALTH_CHECK): { pingInterval: number; socketTimeout: number } | null {
  if (healthCheck === 0) return null;
  if (!Number.isInteger(healthCheck) || healthCheck < MIN_HEALTH_CHECK || healthCheck > MAX_HEALTH_CHECK) {
    throw new RangeError(`healthCheck must be 0 (off) or an integer number of ms from ${MIN_HEALTH_CHECK} to ${MAX_HEALTH_CHECK}, got ${String(healthCheck)}`);
  }
  const pingInterval = Math.round(healthCheck / 3);
  return { pingInterval, socketTimeout: healthCheck - pingInterval };
}

const ORIGIN_BYTES = 8;
const HEADER = 1 + ORIGIN_BYTES;
const FLAG_BINARY = 1;

/** A publish that did not reach Redis (reported on 'error'; never retried). */
export class PublishError extends Error {
  constructor(message: string, readonly topic: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/**
 * What the adapter uses of a node-redis client, the same for one server (`createClient`) and a cluster
 * (`createCluster`, which keeps a pub/sub connection per shard itself).
 */
interface Client {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  /** A cluster's masters: each has a command connection and, once it serves a sharded subscription, a pub/sub one. */
  readonly masters?: ReadonlyArray<{ readonly client?: Client; readonly pubSub?: { readonly client: Client } }>;
  /** A cluster's connection for classic (unsharded) subscriptions, once there is one. */
  readonly pubSubNode?: { readonly client: Client };
  on(event: string, listener: (...args: never[]) => void): unknown;
  publish(channel: string, message: Buffer): Promise<number>;
  sPublish(channel: string, message: Buffer): Promise<number>;
  subscribe(channel: string, listener: (message: Buffer) => void, bufferMode: true): Promise<void>;
  sSubscribe(channel: string, listener: (message: Buffer) => void, bufferMode: true): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  sUnsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
  destroy(): void;
}

/**
 * The Redis adapter. Events:
 * - `'error'` (error): a Redis connection error (each failed reconnection attempt is one), a failed (un)subscribe,
 *   or a `PublishError`. Emitted only while there is an 'error' listener, so never thrown. Only `PublishError`s are
 *   counted (`stats.failed`, with or without a listener); without a listener the other errors are dropped (`state`
 *   and 'down'/'up' still tell an outage).
 * - `'down'` (connection): that kind of connection (`'publish'` or `'subscribe'`) was lost; node-redis is
 *   reconnecting. Once per outage, however many attempts it takes.
 * - `'up'` (connection): that kind of connection is back (a subscribing one has subscribed again to every channel).
 * - `'ready'`: both kinds are up, after `'up'` of the one that came back last.
 * In a cluster a kind is down while any shard's connection of that kind is down (see `state`).
 */
export class RedisAdapter extends EventEmitter implements Adapter {
  /** Counters: messages sent to Redis, publishes dropped (not sent), messages received from other processes. */
  readonly stats = { published: 0, failed: 0, received: 0 };
  private host: AdapterHost | null = null;
  private readonly origin = randomBytes(ORIGIN_BYTES);
  private readonly prefix: string;
  private readonly sharded: boolean;
  private readonly maxPending: number;
  private pending = 0;
  /** How long publishes may await Redis's reply before further ones are dropped (a third of `healthCheck`); Infinity when off. */
  private readonly answerWithin: number;
  /** When Redis last answered a publish, or when one began to await its reply with none pending (Date.now()). */
  private answeredAt = 0;
  private closed = false;
  /** The state last announced by 'down'/'up', so each change is announced once. */
  private announced: RedisAdapterState;
  /** Cluster node connections seen up: only those count as down when they are not (see `announce`). */
  private readonly wasUp = new WeakSet<Client>();
  /**
   * Per topic with local subscribers: Redis's confirmation of its subscription (what `subscribed` returns). Opened by
   * `subscribe`, dropped (rejected if still pending) by `unsubscribe`, all ended by `close`.
   */
  private readonly confirmations = new Confirmations('Redis');

  /** @internal Use `createRedisAdapter`. */
  constructor(private readonly pub: Client, private readonly sub: Client, options: RedisAdapterOptions) {
    super();
    this.prefix = options.prefix ?? 'wsframe:';
    this.sharded = options.sharded === true;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.answerWithin = healthCheckTimes(options.healthCheck)?.pingInterval ?? Infinity;
    this.announced = this.state;
    const announce = (): void => this.announce();
    // A cluster is one client for both: its events once. Its nodes report as 'node-…'; it is ready on 'connect'.
    for (const client of new Set([pub, sub])) {
      client.on('error', (error: Error) => this.report(error));
      for (const event of ['ready', 'reconnecting', 'connect', 'node-ready', 'node-reconnecting', 'node-disconnect']) client.on(event, announce);
    }
  }

  /**
   * Each kind of connection's state, read live from node-redis: `{ publish: 'ready' | 'down', subscribe: ... }`.
   * While `publish` is down, publishes are dropped and reported; while `subscribe` is down, other processes'
   * messages are missed. In a cluster a kind is down while any shard's connection of that kind is (publishes to
   * the other shards' topics still go out). Both read `'down'` after `close()`.
   */
  get state(): RedisAdapterState {
    return { publish: this.stateOf('publish'), subscribe: this.stateOf('subscribe') };
  }

  /** Whether both kinds of connection are up (`state` reads `'ready'` for both). */
  get isReady(): boolean {
    const { publish, subscribe } = this.state;
    return publish === 'ready' && subscribe === 'ready';
  }

  private stateOf(connection: RedisConnection): RedisConnectionState {
    if (!(connection === 'publish' ? this.pub : this.sub).isReady) return 'down';
    return this.nodesOf(connection).some((node) => this.wasUp.has(node) && !node.isReady) ? 'down' : 'ready';
  }

  /**
   * A cluster's node connections of one kind (none for one server): the masters' command connections (a publish
   * goes to its channel's shard), or the pub/sub ones (per shard when sharded, else one).
   */
  private nodesOf(connection: RedisConnection): Client[] {
    const masters = this.pub.masters ?? [];
    const nodes = connection === 'publish'
      ? masters.map((master) => master.client)
      : [...masters.map((master) => master.pubSub?.client), this.pub.pubSubNode?.client];
    return nodes.filter((node) => node !== undefined);
  }

  /** Emits 'down'/'up' for each kind whose state changed since last announced, then 'ready' if both came up. */
  private announce(): void {
    if (this.closed) return;
    // Cluster connections still making their first connection (a shard's first subscription) are not down.
    for (const node of [...this.nodesOf('publish'), ...this.nodesOf('subscribe')]) if (node.isReady) this.wasUp.add(node);
    const before = this.announced;
    const now = this.state;
    this.announced = now;
    for (const connection of ['publish', 'subscribe'] as const) {
      if (now[connection] !== before[connection]) this.emit(now[connection] === 'ready' ? 'up' : 'down', connection);
    }
    const wasReady = before.publish === 'ready' && before.subscribe === 'ready';
    if (!wasReady && now.publish === 'ready' && now.subscribe === 'ready') this.emit('ready');
  }

  attach(host: AdapterHost): void {
    if (this.host !== null) throw new Error('This adapter already serves a server');
    this.host = host;
    for (const topic of host.topics()) this.subscribe(topic);
  }

  subscribe(topic: string): void {
    if (this.closed) return;
    const channel = this.prefix + topic;
    const listener = (message: Buffer): void => this.receive(topic, message);
    const subscribed = this.sharded ? this.sub.sSubscribe(channel, listener, true) : this.sub.subscribe(channel, listener, true);
    // node-redis settles `subscribed` on Redis's reply to the (S)SUBSCRIBE, queued while the connection is down.
    const confirmation = this.confirmations.open(topic);
    subscribed.then(confirmation.confirm, (error: Error) => {
      confirmation.abandon(`The subscription to topic '${topic}' failed: ${error.message}`, { cause: error });
      this.report(error);
    });
  }

  /**
   * Resolves once Redis has confirmed this process's subscription to `topic`'s channel (at once if it has
   * already): from then on, what other processes publish to `topic` reaches this process's subscribers. The
   * server subscribes when a topic gets its first local subscriber, synchronously within `ws.subscribe(topic)`,
   * so `ws.subscribe(topic); await adapter.subscribed(topic)` tells when `ws` will get other servers' messages
   * (before that, Redis drops them for this process: at most once). A later outage of the subscribing connection
   * is told by `state` and 'down'/'up' (node-redis subscribes again before 'up'), not by this promise.
   * @throws {Error} (as a rejection) when `topic` has no local subscriber (no subscription is being made), when
   * the subscription failed (also reported on 'error'), when the topic lost its last local subscriber
   * before Redis confirmed, or when the adapter is (or gets) closed
   */
  subscribed(topic: string): Promise<void> {
    return this.confirmations.of(topic);
  }

  unsubscribe(topic: string): void {
    if (this.closed) return;
    this.confirmations.drop(topic);
    const channel = this.prefix + topic;
    const done = this.sharded ? this.sub.sUnsubscribe(channel) : this.sub.unsubscribe(channel);
    done.catch((error: Error) => this.report(error));
  }

  publish(topic: string, payload: Uint8Array, binary: boolean): void {
    if (this.closed) return;
    if (!this.pub.isReady) {
      this.fail(new PublishError('Redis is not connected: message dropped', topic));
      return;
    }
    if (this.pending >= this.maxPending) {
      this.fail(new PublishError(`${this.pending} publishes await Redis (maxPending): message dropped`, topic));
      return;
    }
    const now = Date.now();
    if (this.pending === 0) this.answeredAt = now;
    else if (now - this.answeredAt > this.answerWithin) {
      // Writing on would keep node-redis's socket timeout from running out on a hung Redis (writes count as activity).
      this.fail(new PublishError(`Redis has not answered for ${now - this.answeredAt} ms (healthCheck): message dropped`, topic));
      return;
    }
    const message = Buffer.allocUnsafe(HEADER + payload.length);
    message[0] = binary ? FLAG_BINARY : 0;
    this.origin.copy(message, 1);
    message.set(payload, HEADER);
    const channel = this.prefix + topic;
    this.pending++;
    this.stats.published++;
    const sent = this.sharded ? this.pub.sPublish(channel, message) : this.pub.publish(channel, message);
    sent.then(
      () => {
        this.pending--;
        this.answeredAt = Date.now();
      },
      (error: Error) => {
        this.pending--;
        this.stats.published--;
        this.fail(new PublishError(`Redis did not confirm a publish: ${error.message}`, topic, { cause: error }));
      },
    );
  }

  private receive(topic: string, message: Buffer): void {
    if (message.length < HEADER || this.host === null) return;
    if (message.compare(this.origin, 0, ORIGIN_BYTES, 1, HEADER) === 0) return; // our own: delivered locally
    this.stats.received++;
    this.host.deliver(topic, message.subarray(HEADER), (message[0] & FLAG_BINARY) !== 0);
  }

  private fail(error: PublishError): void {
    this.stats.failed++;
    this.report(error);
  }

  private report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** Stops: both connections close (politely if up); no events after this. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.confirmations.end('The Redis adapter');
    for (const client of new Set([this.sub, this.pub])) {
      // A connected client quits politely; one waiting to reconnect is dropped at once.
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    }
  }
}

type Listener = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Typed events: 'error' (error), 'down' (connection), 'up' (connection), 'ready'. */
export interface RedisAdapter {
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'down' | 'up', listener: (connection: RedisConnection) => void): this;
  on(event: 'ready', listener: () => void): this;
  on(event: string | symbol, listener: Listener): this;
  once(event: 'error', listener: (error: Error) => void): this;
  once(event: 'down' | 'up', listener: (connection: RedisConnection) => void): this;
  once(event: 'ready', listener: () => void): this;
  once(event: string | symbol, listener: Listener): this;
}

/**
 * Connects to Redis and returns an adapter for `createServer({ adapter })`.
 * Loads the optional peer dependency `redis` (node-redis) on first use.
 * Rejects if Redis cannot be reached at first; later outages are retried
 * forever and reported through the adapter's events.
 * @throws {RangeError} (as a rejection) when `healthCheck` is out of range, before connecting
 */
export async function createRedisAdapter(options: RedisAdapterOptions = {}): Promise<RedisAdapter> {
  const health = healthCheckTimes(options.healthCheck);
  let redis: typeof import('redis');
  try {
    redis = await import('redis');
  } catch (error) {
    throw new Error('The Redis adapter needs the `redis` package: npm install redis', { cause: error });
  }
  const delay = options.reconnectDelay ?? 100;
  const name = options.name ?? 'wsframe';
  // Before the first connection, give up (connect() rejects); after it, retry forever.
  let connected = false;
  const reconnectStrategy = (_retries: number, cause: Error): number | Error => (connected ? delay : cause);
  // node-redis PINGs an idle connection every pingInterval and destroys one silent for socketTimeout (then reconnects).
  const pingInterval = health?.pingInterval;
  const socket = { reconnectStrategy, connectTimeout: 5000, socketTimeout: health?.socketTimeout };
  if (options.cluster !== undefined) {
    const cluster = redis.createCluster({
      rootNodes: options.cluster.map((url) => ({ url })),
      defaults: { name, disableOfflineQueue: true, pingInterval, socket },
    }) as unknown as Client & { connect(): Promise<unknown> };
    const adapter = new RedisAdapter(cluster, cluster, options);
    try {
      await cluster.connect();
      connected = true;
    } catch (error) {
      cluster.destroy();
      throw error;
    }
    return adapter;
  }
  const pub = redis.createClient({
    url: options.url ?? 'redis://127.0.0.1:6379',
    name: `${name}:publish`,
    // Publishes while disconnected fail at once instead of queuing without bound.
    disableOfflineQueue: true,
    pingInterval,
    socket,
  });
  // The subscriber keeps its offline queue: (un)subscribes made during an outage go out on reconnect.
  const sub = pub.duplicate({ name: `${name}:subscribe`, disableOfflineQueue: false });
  const adapter = new RedisAdapter(pub as unknown as Client, sub as unknown as Client, options);
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    connected = true;
  } catch (error) {
    pub.destroy();
    sub.destroy();
    throw error;
  }
  return adapter;
}
