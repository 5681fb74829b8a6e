/**
 * A connection's send queue, the batch buffer its frames are written into,
 * and the encoding of a queue into one buffer for one socket write.
 *
 * One `FrameWriter` per role serves every connection in the realm: the
 * writer keeps no per-message state (the connection tracks its own
 * fragmentation), so a connection costs no encoder memory while idle. Queues
 * come from a realm-wide pool and go back after each flush: an idle connection
 * holds none, a busy one allocates none.
 *
 * Memory ownership of the realm's reusable batch buffer: `borrowBatch` lends
 * it to one borrower at a time (a flush, or one connection during its read:
 * the send fast path, connection.ts), and nobody else writes it until the
 * borrower hands it back with `recycleBatch`, which it does only once no
 * socket holds a reference (its write went to the kernel at once). A buffer
 * never handed back (a socket still holds it) is simply dropped, and the next
 * borrower gets a new one. No view of a batch buffer reaches user code.
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

/** A FrameWriter whose frames are written unchecked: a connection builds every head itself, valid by construction. */
class BatchWriter extends FrameWriter {
  /** Writes the frame of first byte `head` (FIN, RSV1, opcode) carrying `payload` at `target[at]`; returns its end. */
  frame(target: Uint8Array, at: number, head: number, payload: Uint8Array): number {
    return this.put(target, at, head, payload);
  }
}

const encoders = {
  server: new BatchWriter({ role: 'server' }),
  client: new BatchWriter({ role: 'client' }),
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
/** The smallest reusable batch buffer. */
const MIN_BATCH = 16 * 1024;
/** The reusable batch buffer while nobody has borrowed it; null while lent out (or before the first borrow). */
let spare: Buffer | null = null;

/**
 * Lends the reusable batch buffer, of at least `size` bytes (a new one when
 * it is lent out already or smaller), or returns null past REUSED_MAX. It is
 * the borrower's until `recycleBatch`.
 */
export function borrowBatch(size: number): Buffer | null {
  if (size > REUSED_MAX) return null;
  let buffer = spare;
  spare = null;
  if (buffer === null || buffer.length < size) buffer = Buffer.allocUnsafeSlow(Math.max(size, MIN_BATCH));
  return buffer;
}

/**
 * Hands back a borrowed batch buffer that no socket holds a reference to any
 * more (its write completed synchronously, every byte is in the kernel): later
 * borrowers may overwrite it.
 */
export function recycleBatch(buffer: Buffer): void {
  spare = buffer;
}

/**
 * For the send fast path: `batch` (borrowed, or null before the first frame)
 * with room at `at` for a frame carrying `length` payload bytes; a grown copy
 * when it has none (the old one is dropped: the copy is the borrowed one
 * now). Null for a payload that takes a write chunk of its own, or past
 * REUSED_MAX: queue the frame instead.
 */
export function roomFor(role: Role, batch: Buffer | null, at: number, length: number): Buffer | null {
  if (length >= DIRECT_WRITE) return null;
  const end = at + encoders[role].frameSize(length);
  if (batch !== null && end <= batch.length) return batch;
  const grown = borrowBatch(batch === null ? end : Math.max(end, 2 * batch.length));
  if (grown !== null && batch !== null) grown.set(batch.subarray(0, at));
  return grown;
}

/**
 * `TypedArray.prototype.set`, called through a constant: V8 (11.3) never inlines the look-up of `set` on a typed
 * array, so `batch.set(…)` calls the LoadIC builtin before the copy, once per message (a 16 B copy: 17.1 against
 * 13.9 ns; bench/results/echo-profile.md §13).
 */
const copyBytes = Uint8Array.prototype.set;

/** Payloads shorter than this take a 2-byte header unmasked (RFC 6455 §5.2: 7-bit length). */
const SHORT_PAYLOAD = 126;

/**
 * The send fast path's common case, written here whole: an unmasked frame (the
 * server role) of fewer than 126 payload bytes at `batch[at]`. Returns its end,
 * or -1, writing nothing, when the payload is longer or `batch` has no room:
 * then `roomFor` and `frameAt` take it. Small enough for V8 to inline into the
 * message listener's `send`, where the general path (encoder lookup, header
 * size, header writer) was three calls per message (bench/results/echo-profile.md §8).
 */
export function shortFrameAt(batch: Buffer, at: number, head: number, payload: Uint8Array): number {
  const length = payload.length;
  const end = at + 2 + length;
  if (length >= SHORT_PAYLOAD || end > batch.length) return -1;
  batch[at] = head;
  batch[at + 1] = length;
  copyBytes.call(batch, payload, at + 2);
  return end;
}

/** Writes the frame of first byte `head` (FIN, RSV1, opcode) carrying `payload` at `batch[at]`, which has room; returns its end. */
export function frameAt(role: Role, batch: Buffer, at: number, head: number, payload: Uint8Array): number {
  return encoders[role].frame(batch, at, head, payload);
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
  const chunks = encodeFrames('server', queue, Buffer.allocUnsafe(batchSize('server', queue)));
  releaseQueue(queue);
  let byteLength = 0;
  for (const chunk of chunks) byteLength += chunk.length;
  return { chunks, byteLength };
}

/** Whether a queued payload goes out as a write chunk of its own (large, and not to be masked). */
function asIs(role: Role, head: number, payload: Uint8Array): boolean {
  return payload.length >= DIRECT_WRITE && (head === ENCODED || role === 'server');
}

/** The bytes `encodeFrames` writes into its buffer for `queue`: every frame but the payloads that go as they are. */
export function batchSize(role: Role, queue: SendQueue): number {
  const encoder = encoders[role];
  const { heads, payloads, count } = queue;
  let size = 0;
  for (let i = 0; i < count; i++) {
    const head = heads[i];
    const n = payloads[i].length;
    const frame = head === ENCODED ? n : encoder.frameSize(n);
    size += asIs(role, head, payloads[i]) ? frame - n : frame;
  }
  return size;
}

/**
 * Frames the queued payloads (masked for clients) into `out`, which has at
 * least `batchSize(role, queue)` bytes: back to back, except that large
 * unmasked payloads stay separate chunks, written as they are. Returns the
 * chunks in write order. A head's RSV1 (a compressed message's first frame,
 * permessage-deflate) goes out with the opcode.
 */
export function encodeFrames(role: Role, queue: SendQueue, out: Buffer): Uint8Array[] {
  const encoder = encoders[role];
  const { heads, payloads, count } = queue;
  const chunks: Uint8Array[] = [];
  let start = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const payload = payloads[i];
    const head = heads[i];
    const encoded = head === ENCODED;
    if (!asIs(role, head, payload)) {
      if (encoded) out.set(payload, at);
      at = encoded ? at + payload.length : encoder.frame(out, at, head, payload);
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
