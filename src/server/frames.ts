/**
 * A connection's send queue, and the encoding of a queue into one buffer for
 * one socket write.
 *
 * One `FrameWriter` per role serves every connection in the realm: encoding
 * runs no user code between encoding and handing the bytes over, and the
 * writer keeps no per-message state (the connection tracks its own
 * fragmentation), so a connection costs no encoder memory while idle. Queues
 * come from a realm-wide pool and go back after each flush: an idle connection
 * holds none, a busy one allocates none.
 */
import { Buffer } from 'node:buffer';
import { FrameWriter } from '../codec/frame-writer.js';
import { FIN, OPCODE_BITS, RSV1 } from '../codec/protocol.js';

export type Role = 'server' | 'client';

/** A send callback: called once the write carrying its frame is done, with an error if it failed. */
export type SendCallback = (error?: Error) => void;

/** The `head` of an already-encoded frame (shared by many connections) in a `SendQueue`. */
export const ENCODED = -1;

const EMPTY = new Uint8Array(0);

/** Queues with at most this many slots go back to the pool; a larger one is dropped (a burst, not the norm). */
const KEEP_SLOTS = 1024;

/**
 * The frames one connection has queued for its next write, in send order.
 * Slot `i` is a frame: `heads[i]` is its first byte (FIN, RSV1, opcode) or
 * `ENCODED` for bytes encoded already, `payloads[i]` its payload (or those
 * bytes). Slots past `count` are free.
 */
export class SendQueue {
  readonly heads: number[] = [];
  readonly payloads: Uint8Array[] = [];
  count = 0;
  /** Payload bytes queued: what `bufferedAmount` counts before the socket has them. */
  bytes = 0;
  /** Callbacks of the queued frames, in order; null while there are none. */
  callbacks: SendCallback[] | null = null;

  push(head: number, payload: Uint8Array): void {
    const n = this.count;
    this.heads[n] = head;
    this.payloads[n] = payload;
    this.count = n + 1;
    this.bytes += payload.length;
  }
}

const pool: SendQueue[] = [];

/** An empty queue from the pool. */
export function takeQueue(): SendQueue {
  return pool.pop() ?? new SendQueue();
}

/** Returns `queue` to the pool, dropping its payloads (and callbacks: the caller has taken them). */
export function releaseQueue(queue: SendQueue): void {
  if (queue.count > KEEP_SLOTS) return;
  queue.payloads.fill(EMPTY, 0, queue.count);
  queue.count = 0;
  queue.bytes = 0;
  queue.callbacks = null;
  pool.push(queue);
}

const encoders = {
  server: new FrameWriter({ role: 'server' }),
  client: new FrameWriter({ role: 'client' }),
};

/**
 * Payloads from this size are written beside their header instead of copied
 * into the batch, where nothing is masked (the server role, and frames encoded
 * already): for large messages the copy costs more than a second write chunk.
 */
const DIRECT_WRITE = 16 * 1024;

/**
 * The batch buffer that flushes reuse (see `encodeFrames`' `reusable`), and
 * the largest batch that gets it. A fresh buffer per flush is fresh memory
 * each time: a 32 KiB batch (32 messages of 1 KiB) page-faulted on every
 * copy into it (a third of the copying time; bench/results/echo-profile.md),
 * while one buffer reused by every connection's flushes stays in the cache.
 */
const REUSED_MAX = 256 * 1024;
/** The reusable batch buffer while nobody holds it; null while lent out (or before the first flush). */
let spare: Buffer | null = null;
/** The reusable batch buffer as lent to the current flush, until `recycleBatch()`. */
let lent: Buffer | null = null;

/**
 * A batch buffer of at least `size` bytes: the reusable one when it is free
 * and large enough (or a new reusable one), else a fresh one nobody reuses.
 */
function batchBuffer(size: number, reusable: boolean): Buffer {
  if (!reusable || size > REUSED_MAX) return Buffer.allocUnsafe(size);
  let buffer = spare;
  if (buffer === null || buffer.length < size) buffer = Buffer.allocUnsafeSlow(Math.max(size, 16 * 1024));
  spare = null;
  lent = buffer;
  return buffer;
}

/**
 * The socket holds no reference to the last reusable batch any more (its
 * write completed synchronously, every byte is in the kernel): later flushes
 * may overwrite it. Without this call the batch belongs to whoever holds it.
 */
export function recycleBatch(): void {
  if (lent !== null) spare = lent;
  lent = null;
}

/**
 * A frame encoded once for many connections (broadcast, publish): its bytes,
 * in one or more chunks, queued on each connection with
 * `Connection.sendEncoded`. The chunks are shared, so nobody may modify them.
 */
export interface EncodedFrame {
  readonly chunks: readonly Uint8Array[];
  /** Their total length. */
  readonly byteLength: number;
}

/** Encodes one whole data message (`opcode` text or binary) as the server sends it, to share between connections. */
export function encodeShared(opcode: number, payload: Uint8Array): EncodedFrame {
  const queue = takeQueue();
  queue.push(FIN | opcode, payload);
  const chunks = encodeFrames('server', queue);
  releaseQueue(queue);
  let byteLength = 0;
  for (const chunk of chunks) byteLength += chunk.length;
  return { chunks, byteLength };
}

/**
 * Frames the queued payloads (masked for clients): back to back in one
 * Buffer, except that large unmasked payloads stay separate chunks, written as
 * they are. Returns the chunks in write order. A head's RSV1 (a compressed
 * message's first frame, permessage-deflate) goes to the encoder with the opcode.
 * `reusable`: the batch may be the realm's reusable buffer, valid until the
 * next `encodeFrames` unless the caller hands it back with `recycleBatch()`;
 * otherwise it is new memory the caller owns.
 */
export function encodeFrames(role: Role, queue: SendQueue, reusable = false): Uint8Array[] {
  const encoder = encoders[role];
  const { heads, payloads, count } = queue;
  const asIs = (i: number): boolean =>
    payloads[i].length >= DIRECT_WRITE && (heads[i] === ENCODED || role === 'server');
  let size = 0;
  for (let i = 0; i < count; i++) {
    const n = payloads[i].length;
    const frame = heads[i] === ENCODED ? n : encoder.frameSize(n);
    size += asIs(i) ? frame - n : frame;
  }
  const out = batchBuffer(size, reusable);
  const chunks: Uint8Array[] = [];
  let start = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const payload = payloads[i];
    const head = heads[i];
    const encoded = head === ENCODED;
    if (!asIs(i)) {
      if (encoded) out.set(payload, at);
      at = encoded ? at + payload.length : encoder.writeFrame(out, at, head & (OPCODE_BITS | RSV1), payload, (head & FIN) !== 0);
      continue;
    }
    if (!encoded) at = encoder.writeFrameHeader(out, at, head & (OPCODE_BITS | RSV1), payload.length, (head & FIN) !== 0);
    if (at > start) chunks.push(out.subarray(start, at));
    chunks.push(payload);
    start = at;
  }
  if (at > start) chunks.push(out.subarray(start, at));
  return chunks;
}
