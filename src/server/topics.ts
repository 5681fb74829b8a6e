/**
 * Topics: publish/subscribe inside one process, as uWebSockets and Bun do it.
 *
 * A published message is framed **once**, into a chunk shared by every
 * subscriber (the *batch*). Each subscriber keeps only ranges of batch
 * chunks: consecutive publishes to the same subscriber extend its current
 * range, so a burst of N messages costs the subscriber one integer update per
 * message. The ranges are handed to the connection together once per event
 * loop iteration (`setImmediate`, after every socket read the poll phase had
 * ready): one socket write per subscriber per iteration, however many reads
 * the burst came in and however many chunks it filled. That is uWebSockets'
 * "cork one write per subscriber per loop iteration". (Flushing at the end of
 * each tick instead cost 2–3 writes per subscriber for a 64 KiB burst of
 * 1 KiB messages, which arrives in two reads and crosses a chunk boundary.)
 *
 * Order: a subscriber's pending range is handed to its connection before
 * anything else the connection sends (the connection calls
 * `Subscription.release` first), so published and directly sent messages
 * reach a peer in the order they were sent.
 *
 * Backpressure: before each delivery the subscriber's buffered bytes (its
 * connection's queue, the socket's, and its pending range) plus the frame are
 * compared with `maxBackpressure`. Over it, the message is dropped for that
 * subscriber, counted in the publish result and reported with a `dropped`
 * event on the connection, or, with `closeOnBackpressureLimit`, the
 * connection is closed with 1008. Memory per subscriber is thereby bounded by
 * `maxBackpressure` plus one frame, whatever the peer does. Within one
 * iteration's pending range the room left is counted down from the first
 * delivery's check instead of asking the connection each time: nothing else
 * is sent on the connection while it holds a range and its socket only
 * drains, so the count is what is really left or less (more only by the
 * headers of frames queued before that check and not yet taken by the kernel:
 * a queue counts payload bytes, a socket whole frames). When it runs out, the
 * buffered bytes are asked again before anything is dropped.
 *
 * Memory ownership: batch chunks are allocated here and never written
 * again once a range of them is handed over; connections and sockets may keep
 * references to them (a range goes as it is to a socket with nothing waiting,
 * see `Connection.sendShared`, and one of 16 KiB or more from a send queue),
 * and the garbage collector frees a chunk once no range refers to it.
 */
import { FrameEncoder } from '../codec/frame-encoder.js';
import { CLOSE_POLICY_VIOLATION, OPCODE_BINARY, OPCODE_TEXT } from '../codec/protocol.js';
import { OPEN, type Connection, type HeldSends } from './connection.js';
import { encodeShared, type EncodedFrame } from './frames.js';
import { sharedCompressed, type DeflateExtension } from './deflate.js';

/** Size of a batch chunk. */
const CHUNK_SIZE = 64 * 1024;
/**
 * Frames larger than this are not copied into the batch: their payload
 * is shared as it is, after a header of their own.
 */
const BATCH_LIMIT = 8 * 1024;

/** Default `maxBackpressure`: 1 MiB buffered per subscriber. */
export const DEFAULT_MAX_BACKPRESSURE = 1024 * 1024;

/**
 * What the registry needs from a subscriber: its public face (for the
 * 'dropped' event and closing) and its `Connection`, whose send queue takes
 * shared frames (`sendEncoded`) and which keeps a pointer to the subscription
 * (`subscription`, owned here) to hand over pending bytes before it sends
 * anything else.
 */
export interface Subscriber {
  readonly _connection: Connection;
  close(code?: number, reason?: string): void;
  emit(event: 'dropped', topic: string, data: Uint8Array, isBinary: boolean): boolean;
}

/** Publish options, as Bun's and ws's `send`. */
export interface PublishOptions {
  /** Binary frame (default: true unless the data is a string). */
  binary?: boolean;
  /**
   * Compress where permessage-deflate was agreed and the message reaches the
   * threshold (default true): once for all shared-mode subscribers, per
   * subscriber with context takeover. In this process only: an adapter
   * carries the message, and other processes compress by their defaults.
   */
  compress?: boolean;
}

/** What a publish did: subscribers that got the message, and those skipped for backpressure. */
export interface PublishResult {
  delivered: number;
  dropped: number;
}

/** Limits of a registry, from the server's options. */
export interface TopicOptions {
  /** Bytes buffered for a subscriber past which publishes to it are dropped. Default 1 MiB. */
  maxBackpressure?: number;
  /** Close a subscriber (1008) instead of dropping a message for it. Default false. */
  closeOnBackpressureLimit?: boolean;
}

/** Listener for the first subscriber joining a topic and the last one leaving it (adapters use it). */
export type TopicListener = (topic: string) => void;

/**
 * One connection's subscriptions and its pending ranges of the batch.
 * Created at its first `subscribe`, dropped when it has no topic left.
 */
export class Subscription implements HeldSends {
  readonly topics = new Map<string, Set<Subscription>>();
  /** The batch chunk of the current pending range, or null when nothing is pending. */
  chunk: Buffer | null = null;
  start = 0;
  end = 0;
  /** Pending ranges before the current one (of chunks filled earlier in this iteration), in order. */
  earlier: Buffer[] | null = null;
  /** Bytes pending in total: `earlier` and the current range. */
  pending = 0;
  /** While holding: bytes that may still be held before `maxBackpressure`, counted down from the first hold's check (see the module comment). */
  room = 0;
  /** Listed in the registry's flush list for this iteration. */
  listed = false;

  readonly connection: Connection;

  constructor(readonly ws: Subscriber) {
    this.connection = ws._connection;
  }

  get holding(): boolean {
    return this.chunk !== null;
  }

  /** Appends `[start, end)` of `chunk` to the pending bytes: extends the current range when it continues it. */
  hold(chunk: Buffer, start: number, end: number): void {
    this.pending += end - start;
    if (this.chunk === chunk && this.end === start) {
      this.end = end;
      return;
    }
    if (this.chunk !== null) (this.earlier ??= []).push(this.chunk.subarray(this.start, this.end));
    this.chunk = chunk;
    this.start = start;
    this.end = end;
  }

  /** Hands the pending ranges (if any) to the connection, for one write. Called before anything else the connection sends. */
  release(): void {
    const chunk = this.chunk;
    if (chunk === null) return;
    const current = chunk.subarray(this.start, this.end);
    const earlier = this.earlier;
    const byteLength = this.pending;
    this.discard();
    // One range (the common case): written as it is, without a queue; several: queued together for one corked write.
    if (earlier === null) this.connection.sendShared(current);
    else this.connection.sendEncoded({ chunks: [...earlier, current], byteLength });
  }

  /** Forgets the pending ranges. */
  discard(): void {
    this.chunk = null;
    this.earlier = null;
    this.pending = 0;
  }
}

const encoder = new FrameEncoder({ role: 'server' });

/** The subscription of `ws`'s connection: only a registry sets `connection.subscription`, always to a `Subscription`. */
function subscriptionOf(ws: Subscriber): Subscription | null {
  return ws._connection.subscription as Subscription | null;
}
const EMPTY_RESULT: PublishResult = Object.freeze({ delivered: 0, dropped: 0 }) as PublishResult;

/** Topics of one server: who is subscribed to what, and delivery of published messages. */
export class TopicRegistry {
  private readonly topics = new Map<string, Set<Subscription>>();
  private readonly maxBackpressure: number;
  private readonly closeOnLimit: boolean;
  /** Subscriptions with pending ranges this loop iteration. */
  private flushList: Subscription[] = [];
  private flushScheduled = false;
  private chunk: Buffer = Buffer.allocUnsafeSlow(CHUNK_SIZE);
  private at = 0;
  /** Called when a topic gets its first subscriber in this process. */
  onTopicOpened: TopicListener | null = null;
  /** Called when a topic loses its last subscriber in this process. */
  onTopicClosed: TopicListener | null = null;

  constructor(options: TopicOptions = {}) {
    const max = options.maxBackpressure ?? DEFAULT_MAX_BACKPRESSURE;
    if (!(max >= 0)) throw new RangeError(`maxBackpressure must be a number of bytes >= 0, got ${String(max)}`);
    this.maxBackpressure = max === 0 ? Infinity : max;
    this.closeOnLimit = options.closeOnBackpressureLimit === true;
  }

  /** Subscribes `ws` to `topic`; false if it already was (or is not open). */
  subscribe(ws: Subscriber, topic: string): boolean {
    if (typeof topic !== 'string') throw new TypeError('topic must be a string');
    const connection = ws._connection;
    if (connection.readyState !== OPEN) return false;
    let subscription = subscriptionOf(ws);
    if (subscription === null) connection.subscription = subscription = new Subscription(ws);
    if (subscription.topics.has(topic)) return false;
    let members = this.topics.get(topic);
    if (members === undefined) {
      members = new Set();
      this.topics.set(topic, members);
      this.onTopicOpened?.(topic);
    }
    members.add(subscription);
    subscription.topics.set(topic, members);
    return true;
  }

  /** Unsubscribes `ws` from `topic`; false if it was not subscribed. */
  unsubscribe(ws: Subscriber, topic: string): boolean {
    const subscription = subscriptionOf(ws);
    const members = subscription?.topics.get(topic);
    if (subscription == null || members === undefined) return false;
    subscription.topics.delete(topic);
    this.leave(subscription, topic, members);
    if (subscription.topics.size === 0 && subscription.chunk === null) ws._connection.subscription = null;
    return true;
  }

  /** Removes `ws` from every topic (a closed connection). Its pending range is discarded. */
  unsubscribeAll(ws: Subscriber): void {
    const subscription = subscriptionOf(ws);
    if (subscription == null) return;
    ws._connection.subscription = null;
    subscription.discard();
    for (const [topic, members] of subscription.topics) this.leave(subscription, topic, members);
    subscription.topics.clear();
  }

  private leave(subscription: Subscription, topic: string, members: Set<Subscription>): void {
    members.delete(subscription);
    if (members.size === 0) {
      this.topics.delete(topic);
      this.onTopicClosed?.(topic);
    }
  }

  /** Whether `ws` is subscribed to `topic`. */
  isSubscribed(ws: Subscriber, topic: string): boolean {
    return subscriptionOf(ws)?.topics.has(topic) ?? false;
  }

  /** The topics `ws` is subscribed to. */
  topicsOf(ws: Subscriber): string[] {
    const subscription = subscriptionOf(ws);
    return subscription === null ? [] : [...subscription.topics.keys()];
  }

  /** Subscribers of `topic` in this process. */
  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  /** Topics with at least one subscriber in this process. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /**
   * Delivers a message to every subscriber of `topic` in this process except
   * `except`, framed once (a text frame unless `binary`; text must be UTF-8). Returns how many got it and how many were skipped
   * for backpressure. `compress: false` sends it uncompressed where permessage-deflate was agreed.
   */
  publish(topic: string, payload: Uint8Array, binary: boolean, except?: Subscriber, compress = true): PublishResult {
    const members = this.topics.get(topic);
    if (members === undefined) return EMPTY_RESULT;
    const size = encoder.frameSize(payload.length);
    const exceptSubscription = except === undefined ? null : subscriptionOf(except);
    // Small frames go into the batch; a large one gets its own header and shares its payload as it is.
    const shared = size > BATCH_LIMIT ? encodeShared(binary ? OPCODE_BINARY : OPCODE_TEXT, payload) : null;
    const start = shared === null ? this.encodeIntoBatch(binary, payload, size) : 0;
    const chunk = this.chunk;
    const end = start + size;
    let delivered = 0;
    let dropped = 0;
    let compressed: Map<string, EncodedFrame> | undefined;
    for (const subscription of members) {
      if (subscription === exceptSubscription || subscription.connection.readyState !== OPEN) continue;
      if (this.overLimit(subscription, size)) {
        dropped++;
        this.onOverLimit(subscription, topic, payload, binary);
        continue;
      }
      delivered++;
      const extension = subscription.connection.extension as DeflateExtension | null;
      if (compress && extension !== null && payload.length >= extension.deflate.threshold) {
        subscription.release();
        // permessage-deflate. Shared mode: compressed once for every such subscriber (the same bytes for all);
        // with context takeover, by the subscriber's own compressor (its window holds what it sent before).
        if (extension.sharedKey !== undefined) {
          compressed ??= new Map();
          subscription.connection.sendEncoded(sharedCompressed(extension.sharedKey, extension.deflate, binary ? OPCODE_BINARY : OPCODE_TEXT, payload, compressed));
        } else subscription.connection.sendData(payload, binary, true, undefined);
      } else if (shared !== null) {
        subscription.release();
        subscription.connection.sendEncoded(shared);
      } else {
        subscription.hold(chunk, start, end);
        if (!subscription.listed) {
          subscription.listed = true;
          this.flushList.push(subscription);
        }
      }
    }
    if (shared === null && delivered > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(flushRegistry, this);
    }
    return { delivered, dropped };
  }

  /** Whether `size` more bytes would take `subscription` past `maxBackpressure`; if not, they are counted as held. */
  private overLimit(subscription: Subscription, size: number): boolean {
    // Most deliveries of a burst: the room left at the first hold still takes this frame, no need to ask the socket.
    if (subscription.chunk !== null && subscription.room >= size) {
      subscription.room -= size;
      return false;
    }
    const room = this.maxBackpressure - subscription.connection.bufferedAmount - subscription.pending - size;
    if (room < 0) return true;
    subscription.room = room;
    return false;
  }

  private onOverLimit(subscription: Subscription, topic: string, payload: Uint8Array, binary: boolean): void {
    const ws = subscription.ws;
    ws.emit('dropped', topic, payload, binary);
    // 1008: the peer broke the server's policy that subscribers keep up. It is not a
    // server fault (1011) nor an overload the peer should retry against at once (1013).
    if (this.closeOnLimit) ws.close(CLOSE_POLICY_VIOLATION, 'Backpressure limit exceeded');
  }

  /** Frames one message into the batch and returns its offset there. */
  private encodeIntoBatch(binary: boolean, payload: Uint8Array, size: number): number {
    if (this.at + size > this.chunk.length) {
      // Ranges of the old chunk stay valid: it is never written again.
      this.chunk = Buffer.allocUnsafeSlow(CHUNK_SIZE);
      this.at = 0;
    }
    const start = this.at;
    this.at = encoder.writeFrame(this.chunk, start, binary ? OPCODE_BINARY : OPCODE_TEXT, payload, true);
    return start;
  }

  /** End of the loop iteration: every subscriber's pending ranges go to its connection (one write per subscriber). */
  flush(): void {
    this.flushScheduled = false;
    const list = this.flushList;
    this.flushList = [];
    for (let i = 0; i < list.length; i++) {
      const subscription = list[i];
      subscription.listed = false;
      subscription.release();
    }
  }
}

function flushRegistry(registry: TopicRegistry): void {
  registry.flush();
}
