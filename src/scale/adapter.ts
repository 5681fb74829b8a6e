/**
 * The adapter between server processes: what a server needs from whatever
 * carries its publishes to the other processes (worker processes of one
 * machine over IPC, servers on several machines over Redis).
 *
 * Contract, the same for every adapter:
 * - The server calls `subscribe(topic)` when a topic gets its first local
 *   subscriber and `unsubscribe(topic)` when it loses its last, so a process
 *   only receives topics it has subscribers for.
 * - `publish` carries a message published in this process to the others; the
 *   adapter never hands it back to this process (the server delivered it
 *   locally already).
 * - A message from another process goes to `host.deliver`, which delivers it
 *   to this process's subscribers only.
 * - Delivery is at most once, in order per publisher: a message published
 *   while the link is down is dropped and reported (never queued without bound).
 * - A subscription takes effect across processes asynchronously (the other
 *   processes' messages are not received until it has): `subscribed(topic)`
 *   tells when it has.
 */
import type { PublishResult } from '../server/topics.js';

/** What an adapter calls back into: the server's local topics. */
export interface AdapterHost {
  /** Delivers a message from another process to this process's subscribers of `topic`. */
  deliver(topic: string, payload: Uint8Array, binary: boolean): PublishResult;
  /** Topics with local subscribers (an adapter that (re)connects subscribes to these). */
  topics(): string[];
}

export interface Adapter {
  /** Called once by the server that uses this adapter, before any other call. */
  attach(host: AdapterHost): void;
  /** A topic got its first subscriber in this process. */
  subscribe(topic: string): void;
  /** A topic lost its last subscriber in this process. */
  unsubscribe(topic: string): void;
  /**
   * Resolves once this process's subscription to `topic` is live across processes (at once if it is already):
   * from then on, what other processes publish to `topic` reaches this process's subscribers. The server
   * subscribes synchronously within `ws.subscribe(topic)` when it gives the topic its first local subscriber, so
   * `ws.subscribe(topic); await adapter.subscribed(topic)` tells when `ws` gets the other processes' messages
   * (before that they are dropped for this process: at most once). Nobody has to await it: an unawaited
   * rejection is not an unhandled one.
   * @throws {Error} (as a rejection) when `topic` has no local subscriber, when it lost its last one before the
   * subscription took effect, or when the adapter is (or gets) closed; each adapter adds its own cases
   */
  subscribed(topic: string): Promise<void>;
  /** Carries a message published in this process to the other processes. */
  publish(topic: string, payload: Uint8Array, binary: boolean): void;
  /** Stops: no more messages in or out. */
  close(): Promise<void>;
}
