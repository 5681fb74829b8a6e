/**
 * One WebSocket connection's state, for either role, owned here and nowhere
 * else: the ready state and its transitions, the closing handshake, close and
 * terminate, the close timer, heartbeat liveness, the decoder and the send
 * queue. The public `WebSocket` (websocket.ts) is a face over it: it checks
 * and coerces arguments and turns what happens here into ws's events.
 *
 * Lifecycle: a `Connection` starts CONNECTING. A client handshake (client.ts)
 * registers its abort with `connecting()` and ends with `attach()` or
 * `handshakeFailed()`; a server handshake (server.ts) calls `attach()` once the
 * 101 is written. `attach()` hands over the socket and what the handshake
 * agreed (`Agreement`); handshakes never touch the fields.
 *
 * Read path: socket bytes land in the shared read buffer in WASM memory (see
 * reader.ts) and go to the decoder in the same callback; messages reach the
 * face as JavaScript memory the listener owns. Write path: frames sent
 * during a tick (or during one socket read) are written with one
 * `socket.write`. During the connection's own read, while nothing is queued,
 * a frame is written at once into the realm's reusable batch buffer (the send
 * fast path: the payload is copied there before `send` returns, no queue
 * slot); anything else goes into one `SendQueue`, encoded at the flush after
 * the batch's bytes (frames.ts has the batch buffer's ownership).
 *
 * Seams for other parts of the server:
 * - Shared frames (broadcast, publish): `encodeShared()` (frames.ts) encodes a
 *   message once; `sendEncoded(frame)` queues it on each connection. A
 *   publisher reads `bufferedAmount` first to apply its backpressure limit.
 * - Extensions (permessage-deflate): `Agreement.extension`. Every outgoing data
 *   frame goes through `extension.encode` inside `send` and is queued at once,
 *   with RSV1 in the frame's head byte; a compressed payload, lent by the
 *   compressor, goes straight into the batch (or is copied to be queued).
 *   Incoming: the decoder is given
 *   `extension.deflate` and inflates messages whose first frame had RSV1
 *   itself. `extension.close()` runs at the close.
 * - Write limits: `checkBacklog()` runs after every socket write with the
 *   bytes still waiting. Over the limit (`highWaterMark`, or the server's
 *   `maxBufferedBytes` for all its connections together, kept in a shared
 *   `WriteBudget`, write-budget.ts) a connection stops reading and its
 *   `sendTimeout` clock runs: still over when it fires, the connection is
 *   closed with 1008 and its socket destroyed soon after. Over the server's
 *   limit and its own at once (sends keep coming: a broadcast), it is closed
 *   at once. It reads again as soon as it is back under: when its bytes are
 *   written ('drain', or `watchWrites()` where Node emits no 'drain'), or
 *   when the budget tells it that others freed it (`budgetFreed()`).
 * - Read budget: a turn's reads get READ_TURN_MS; past it, each slow connection
 *   yields after its read until the turn's check phase.
 */
// Imported, not the globals: on Node 20 `Buffer`, `process` and `performance` are global getters, called on every use.
import { Buffer } from 'node:buffer';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { wsShapedError, type FrameError } from '../codec/errors.js';
import type { MessageDeflate } from '../codec/deflate/types.js';
import { DEFAULT_MAX_PAYLOAD, FrameDecoder } from '../codec/frame-decoder.js';
import { MessageSequence } from '../codec/frame-writer.js';
import {
  CLOSE_ABNORMAL, CLOSE_NO_STATUS, CLOSE_POLICY_VIOLATION, FIN, OPCODE_BINARY, OPCODE_BITS, OPCODE_CLOSE, OPCODE_CONTINUATION, OPCODE_PING, OPCODE_PONG, OPCODE_TEXT, RSV1,
} from '../codec/protocol.js';
import {
  ENCODED, batchSize, borrowBatch, encodeFrames, frameAt, recycleBatch, releaseQueue, roomFor, shortFrameAt, takeQueue,
  type EncodedFrame, type Role, type SendCallback, type SendQueue,
} from './frames.js';
import { BufferView, readBuffer } from './memory.js';
import { readInto } from './reader.js';
import type { BudgetWaiter, WriteBudget } from './write-budget.js';

// Module-local copies of the constants the send path reads once per message. V8 (11.3) reads an imported binding
// from its module cell, with a TDZ check, at every use in optimized code; a module's own const is folded in
// (frame-writer.ts does the same; bench/results/echo-profile.md §13).
const SEND_FIN = FIN;
const SEND_TEXT = OPCODE_TEXT;
const SEND_BINARY = OPCODE_BINARY;
const SEND_ENCODED = ENCODED;

/** The ready states (the values of ws's `WebSocket.CONNECTING` …). */
export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/** Options shared by server-side and client connections. */
export interface ConnectionOptions {
  /** Largest message accepted, in bytes; larger ones close the connection with 1009. Default 100 MiB. */
  maxPayload?: number;
  /** How long to wait for the peer's close frame (and TCP close) after ours, in ms. Default 30 s. */
  closeTimeout?: number;
  /**
   * Most frames in one message, beyond one per 16 bytes of its payload; more close the connection with 1008.
   * Default 16,384 (ws's flat limit: no message ws accepts is refused); 0 = no limit.
   */
  maxFragments?: number;
  /**
   * Stop reading while more than this many bytes wait to be written (the peer does not read as fast as we
   * write). Default 1 MiB.
   */
  highWaterMark?: number;
  /** Answer every ping with a pong. Default true. */
  autoPong?: boolean;
  /**
   * Let several `message`, `ping` and `pong` events run in one tick (ws 8.17+
   * semantics). With false, each runs in a macrotask of its own (`setImmediate`),
   * and reading waits for them. Default true.
   */
  allowSynchronousEvents?: boolean;
  /** Do not check text messages and close reasons for UTF-8 (only for peers trusted to send valid text). Default false. */
  skipUTF8Validation?: boolean;
  /**
   * Close the connection with 1008 when the bytes waiting to be written went over `highWaterMark` (or over the
   * server's `maxBufferedBytes`) and are still over it this many ms later, without having drained: a peer that
   * does not read cannot hold memory for ever. Default 30 s; 0 = never.
   */
  sendTimeout?: number;
}

/** `ConnectionOptions` with the defaults filled in, as a connection reads them. */
interface Settings {
  readonly maxPayload: number;
  readonly closeTimeout: number;
  readonly highWaterMark: number;
  readonly sendTimeout: number;
  readonly maxFragments: number | undefined;
  readonly autoPong: boolean;
  readonly synchronousEvents: boolean;
  readonly skipUTF8Validation: boolean;
}

function resolve(options: ConnectionOptions): Settings {
  return {
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    closeTimeout: options.closeTimeout ?? 30_000,
    highWaterMark: options.highWaterMark ?? 1024 * 1024,
    sendTimeout: options.sendTimeout ?? 30_000,
    maxFragments: options.maxFragments,
    autoPong: options.autoPong ?? true,
    synchronousEvents: options.allowSynchronousEvents ?? true,
    skipUTF8Validation: options.skipUTF8Validation ?? false,
  };
}

const DEFAULT_SETTINGS = resolve({});

/**
 * Settings shared by the connections attached with equal options (a server
 * passes its own `options` to every connection): one field per connection
 * instead of eight (bench/echo.bench.mjs, idle memory). They are resolved
 * again at every attach and the shared object is kept while nothing changed,
 * so a change to `server.options` applies to the connections attached after
 * it, as in ws, which reads its options for each new connection.
 */
const settingsOf = new WeakMap<ConnectionOptions, Settings>();

function settingsFor(options: ConnectionOptions): Settings {
  const fresh = resolve(options);
  const shared = settingsOf.get(options);
  if (shared !== undefined && sameSettings(shared, fresh)) return shared;
  settingsOf.set(options, fresh);
  return fresh;
}

function sameSettings(a: Settings, b: Settings): boolean {
  for (const key in a) if (a[key as keyof Settings] !== b[key as keyof Settings]) return false;
  return true;
}

/**
 * How long the reads of one event-loop turn may take, in ms, before slow
 * connections yield. libuv reads a ready socket up to 32 times (2 MiB with our
 * 64 KiB region) before it serves the next one. When those reads are slow
 * (writing a large partial message into fresh pages runs at ~150 MB/s on a VM,
 * or the handlers are slow), a few such connections would hold everyone
 * else's reads for tens of ms. Past this budget a connection whose reads are
 * slow pauses after its read until the turn's check phase (`setImmediate`),
 * so a turn takes about this long plus a read or two per slow ready connection, and
 * every ready connection still gets a read in each turn.
 *
 * Only slow connections yield: one assembling a message past LARGE_PARTIAL
 * bytes (each of its reads fills fresh pages), or one whose last SLOW_READS
 * reads in this turn each took SLOW_READ_MS (its handlers are slow). Wall
 * time is all a read can measure cheaply, and on a shared machine one read in
 * 20 or so takes a millisecond because the process was descheduled or a GC
 * ran, so one slow read alone says little about the connection. Fast
 * connections keep libuv's batch of reads: yielding every connection after
 * each read once the budget was spent (as before) gave 64 KiB echo, whose
 * turns always pass 2 ms, one read per connection per turn, at 1.5-3x the CPU
 * per message; yielding after two slow reads in a turn still cost ~1.5x
 * (bench/results/round3.md). A connection whose reads are fast but many is
 * bounded by libuv's 32 reads per turn.
 */
const READ_TURN_MS = 2;

/** A read (decode and handlers) this long, in ms, is slow. */
const SLOW_READ_MS = 2;

/** Consecutive slow reads of one connection in one turn that make it yield. */
const SLOW_READS = 2;

/**
 * A message being assembled past this many bytes makes its connection's reads slow (fresh pages: see
 * READ_TURN_MS). Above a 64 KiB message split across two reads (such echo keeps libuv's batch), and low enough
 * that the reads before a connection yields fill few fresh pages: at 1 MiB, each of four connections starting
 * a large message filled 16 reads' worth (~4 ms on this VM) in one turn.
 */
const LARGE_PARTIAL = 128 * 1024;

/** After a send timeout, how long the close frame gets (queued behind what the peer never read) before the socket is destroyed. */
const SEND_TIMEOUT_LINGER = 1_000;

/** A negotiated extension's per-connection state (permessage-deflate). */
export interface Extension {
  /** The agreed `Sec-WebSocket-Extensions` value, as ws's `extensions` property shows it. */
  readonly header: string;
  /**
   * One outgoing data frame's payload as it goes out (synchronously: compressed inside `send`); `first` and
   * `fin` say where the frame is in its message (the connection's `MessageSequence` keeps that).
   * `compress: false` (send's option) asks to leave the message as it is. Sets `rsv1` and `lent`.
   */
  encode(payload: Uint8Array, first: boolean, fin: boolean, compress?: boolean): Uint8Array;
  /** Whether the frame `encode` last returned is marked as transformed (RSV1). */
  readonly rsv1: boolean;
  /**
   * Whether what `encode` last returned is lent: the compressor's memory, overwritten by the next `encode` of
   * any connection in this realm, so it is written into the batch or copied before anything else is sent.
   */
  readonly lent: boolean;
  /** The decoder's permessage-deflate: received messages whose first frame had RSV1 are inflated by the decoder. */
  readonly deflate: MessageDeflate;
  /** Frees what it holds: the connection has closed. */
  close(): void;
}

/** What a handshake agreed, handed to `attach()` with the socket. */
export interface Agreement {
  role: Role;
  /** The subprotocol, or ''. */
  protocol: string;
  extension: Extension | null;
  /** Bytes read past the handshake's head: the first frames. */
  head: Uint8Array;
  options: ConnectionOptions;
  /** Told when the connection closes (the server that counts it), if anyone. */
  tracker?: Tracker | null;
  /** The server-wide write budget this connection counts against, if any. */
  budget?: WriteBudget | null;
}

/**
 * Bytes held for a connection outside its send queue (published messages in
 * the topics' tick batch, topics.ts) that must go out before anything the
 * connection sends later.
 */
export interface HeldSends {
  readonly holding: boolean;
  /** Sends the held bytes now (`sendShared` or `sendEncoded`), before anything else. */
  release(): void;
}

/** Keeps count of connections: told once, when one closes. */
export interface Tracker {
  untrack(face: ConnectionEvents): void;
}

/**
 * What a connection reports, to the face that owns it (in stream order). Data
 * is JavaScript memory the receiver owns.
 */
export interface ConnectionEvents {
  /** @internal A client's handshake succeeded. */
  _onOpen(): void;
  /** @internal */
  _onMessage(data: Uint8Array, isBinary: boolean): void;
  /** @internal */
  _onPing(data: Uint8Array): void;
  /** @internal */
  _onPong(data: Uint8Array): void;
  /** @internal A protocol error (followed by the close), a socket error, or a failed handshake. */
  _onError(error: Error): void;
  /** @internal Everything queued has been written. */
  _onDrain(): void;
  /** @internal The last event: the code is 1006 unless a close frame arrived. */
  _onClose(code: number, reason: Buffer): void;
}

const EMPTY = Buffer.alloc(0);

function socketClosedError(): Error {
  return new Error('The socket was closed');
}

export class Connection implements BudgetWaiter {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readyState = CONNECTING;
  role: Role = 'server';
  /** The agreed subprotocol, or ''. */
  protocol = '';
  extension: Extension | null = null;
  /** The socket, from `attach()` until it closes. */
  socket: Socket | null = null;
  /** The socket once it has closed: ws's `_socket` stays set, and code written for ws (its stream wrapper) reads it. */
  closedSocket: Socket | null = null;
  /** Heartbeat: whether anything arrived from the peer since the last `beat()`. */
  private alive = true;
  /** This connection's topics and published bytes held for it: set and owned by the server's `TopicRegistry` (topics.ts). */
  subscription: HeldSends | null = null;

  private readonly events: ConnectionEvents;
  private tracker: Tracker | null = null;
  private abortHandshake: ((message: string) => void) | null = null;
  /** The options, resolved (shared with the other connections attached with the same options object). */
  private settings = DEFAULT_SETTINGS;
  private budget: WriteBudget | null = null;
  /** What this connection has added to the budget. */
  private budgeted = 0;
  /** An empty write is in the socket, its callback (`written`) to run once the bytes before it are written. */
  private watching = false;
  /** `written` bound to this connection, made at the first `watchWrites()`. */
  private onWritten: (() => void) | null = null;
  /** Runs while the bytes waiting to be written are over the limit (and have not drained). */
  private sendTimer: NodeJS.Timeout | null = null;

  // Reading.
  /** Created at the first read: a connection that never received anything holds no decoder state. */
  private decoder: FrameDecoder | null = null;
  /** Bytes that came with the handshake, until they are decoded. */
  private head: Uint8Array | null = null;
  /** Inside a read: frames queued now are flushed when the read is done. */
  private inRead = false;
  /** `pause()` was called: reading stays off until `resume()`. */
  private paused = false;
  /** A protocol error stopped the decoder. */
  private failed = false;
  /** Read past the turn's budget: reading is off until the turn ends (`endReadTurn`). */
  private yielding = false;
  /** The turn (`readTurn`) of this connection's latest read, and how many of its last reads in that turn were slow. */
  private turn = -1;
  private slowReads = 0;
  /**
   * Without synchronous events: the events waiting for their macrotask, in
   * stream order (reading stops while any wait); null when none do, and always
   * null with synchronous events.
   */
  private deferred: (() => void)[] | null = null;

  // Writing.
  /** The socket is a plain `net.Socket` (not TLS, not another Duplex): flushes may reuse the batch buffer. */
  private plainSocket = false;
  /** Frames waiting for the next flush, after those in `batch`; null when none are. */
  private queue: SendQueue | null = null;
  /**
   * The batch buffer borrowed during this connection's read (frames.ts), with
   * the frames sent in it so far at `[0, batchAt)` and their payload bytes;
   * null outside a read, or when no frame took the fast path.
   */
  private batch: Buffer | null = null;
  private batchAt = 0;
  private batchBytes = 0;
  private flushPending = false;
  /** Whether a message sent with `fin: false` is in progress (the next data frames are continuations); made at the first send. */
  private messages: MessageSequence | null = null;
  /** Outgoing data frames waiting for a Blob's bytes, not yet queued. */
  private encoding = 0;
  /** A close frame waiting for those encodes. */
  private closeWaiting: Uint8Array | null = null;

  // Closing.
  private closeSent = false;
  private closeReceived = false;
  private closeCode = CLOSE_ABNORMAL;
  private closeReason: Buffer = EMPTY;
  private closeTimer: NodeJS.Timeout | null = null;

  constructor(events: ConnectionEvents) {
    this.events = events;
  }

  /** A client handshake is under way; `abort` ends it (close or terminate while connecting). */
  connecting(abort: (message: string) => void): void {
    this.abortHandshake = abort;
  }

  /** The client handshake failed: CLOSING now, and on the next tick 'error', then CLOSED and 'close' with 1006 (as ws). */
  handshakeFailed(error: Error): void {
    this.abortHandshake = null;
    this.readyState = CLOSING;
    process.nextTick(() => {
      this.events._onError(error);
      this.readyState = CLOSED;
      this.events._onClose(CLOSE_ABNORMAL, EMPTY);
    });
  }

  /** Takes over `socket` once its handshake is done (the 101 is written or read). */
  attach(socket: Socket, agreement: Agreement): void {
    this.abortHandshake = null;
    this.role = agreement.role;
    this.protocol = agreement.protocol;
    this.extension = agreement.extension;
    this.tracker = agreement.tracker ?? null;
    this.settings = settingsFor(agreement.options);
    this.budget = agreement.budget ?? null;
    this.socket = socket;
    this.plainSocket = socket.constructor === Socket;
    this.readyState = OPEN;
    // handleUpgrade takes any Duplex: only a net.Socket has these.
    if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    if (typeof socket.setTimeout === 'function') socket.setTimeout(0);
    // Shared listeners that find the connection through the socket: no closures per connection.
    (socket as Owned)[kOwner] = this;
    socket.on('close', socketOnClose);
    socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    socket.on('drain', socketOnDrain);
    // Bytes that came with the handshake are decoded once the caller has added its
    // listeners, including after an `await` on the open (a macrotask later), and
    // always before any later read.
    if (agreement.head.length > 0) {
      this.head = agreement.head;
      setImmediate(() => this.feedHead());
    }
    if (!readInto(socket, readBuffer, socketOnRead)) socket.on('data', socketOnData);
    socket.resume();
    if (this.role === 'client') this.events._onOpen();
  }

  // --- Reading ---------------------------------------------------------------

  private decoderFor(): FrameDecoder | null {
    if (this.decoder === null && this.readyState !== CLOSED && !this.failed) {
      const events = this.events;
      const onPong = (data: Uint8Array): void => {
        this.alive = true;
        events._onPong(data);
      };
      // Without synchronous events, every event takes its turn (the close and an error after those before them).
      this.decoder = new FrameDecoder({
        role: this.role,
        maxPayload: this.settings.maxPayload,
        deflate: this.extension?.deflate,
        maxFragments: this.settings.maxFragments,
        skipUTF8Validation: this.settings.skipUTF8Validation,
        viewType: BufferView,
        ...(this.settings.synchronousEvents
          ? {
              onMessage: (data, isBinary) => events._onMessage(data, isBinary),
              onPing: (data) => this.onPing(data),
              onPong,
              onClose: (code, reason) => this.onCloseFrame(code, reason),
              onError: (error) => this.fail(error),
            }
          : {
              onMessage: (data, isBinary) => this.defer(() => events._onMessage(data, isBinary)),
              onPing: (data) => this.defer(() => this.onPing(data)),
              onPong: (data) => this.defer(() => onPong(data)),
              onClose: (code, reason) => this.inTurn(() => this.onCloseFrame(code, reason)),
              onError: (error) => this.inTurn(() => this.fail(error)),
            }),
      });
    }
    return this.decoder;
  }

  /** Runs `event` in a macrotask of its own, after those waiting; reading stops until they have run. */
  private defer(event: () => void): void {
    if (this.deferred !== null) {
      this.deferred.push(event);
      return;
    }
    this.deferred = [event];
    this.socket?.pause();
    setImmediate(runDeferred, this);
  }

  /** Runs `event` now, or after the deferred events if any wait. */
  private inTurn(event: () => void): void {
    if (this.deferred === null) event();
    else this.deferred.push(event);
  }

  /** Runs the next deferred event. */
  runDeferred(): void {
    const deferred = this.deferred;
    if (deferred === null) return;
    const event = deferred.shift()!;
    if (deferred.length > 0) setImmediate(runDeferred, this);
    else {
      this.deferred = null;
      this.resumeReading();
    }
    event();
  }

  private feedHead(): void {
    const head = this.head;
    if (head === null) return;
    this.head = null;
    this.feed(head);
  }

  /** A socket read landed in the read buffer (the codec's I/O region): decode it where it is. */
  onRead(length: number): void {
    const start = startRead();
    if (this.head !== null) {
      // Rare: a read before the handshake's extra bytes were decoded. Decoding those
      // reuses the region, so take this read out of it first.
      const read = readBuffer.slice(0, length);
      this.feedHead();
      this.feed(read);
    } else {
      this.decode(null, length);
    }
    this.endRead(start);
  }

  /** A socket 'data' chunk (no reads into the region: TLS, a Duplex): decoded within the turn's budget too. */
  onData(chunk: Uint8Array): void {
    const start = startRead();
    this.feed(chunk);
    this.endRead(start);
  }

  /** After a read that began at `start`: past the turn's read budget, a slow connection stops reading until the turn ends. */
  private endRead(start: number): void {
    const now = readEnded();
    if (this.turn !== readTurn) {
      this.turn = readTurn;
      this.slowReads = 0;
    }
    this.slowReads = now - start >= SLOW_READ_MS ? this.slowReads + 1 : 0;
    const socket = this.socket;
    if (socket === null || this.yielding || now - readTurnStart <= READ_TURN_MS || socket.isPaused()) return;
    if (this.slowReads < SLOW_READS && (this.decoder?.partialLength ?? 0) <= LARGE_PARTIAL) return;
    this.yielding = true;
    socket.pause();
    yielded.push(this);
  }

  /** The turn ended: read again (unless something else holds reading off). */
  endYield(): void {
    this.yielding = false;
    this.resumeReading();
  }

  /** Bytes from elsewhere (past the handshake, or a TLS socket's 'data'): the decoder copies them in. */
  feed(chunk: Uint8Array): void {
    if (this.head !== null && chunk !== this.head) this.feedHead();
    this.decode(chunk, chunk.length);
  }

  /** Decodes `chunk`, or with null the read buffer's first `length` bytes; then writes the replies. */
  private decode(chunk: Uint8Array | null, length: number): void {
    const decoder = this.decoderFor();
    if (decoder === null || decoder.stopped) return;
    this.inRead = true;
    try {
      if (chunk === null) decoder.pushIO(length);
      else decoder.push(chunk);
    } finally {
      this.inRead = false;
    }
    if (this.queue !== null || this.batch !== null) this.flush();
  }

  /** Stops reading from the peer until `resume()`: not while connecting or once closed (as ws). */
  pause(): void {
    if (this.readyState === CONNECTING || this.readyState === CLOSED) return;
    this.paused = true;
    this.socket?.pause();
  }

  resume(): void {
    if (this.readyState === CONNECTING || this.readyState === CLOSED) return;
    this.paused = false;
    this.resumeReading();
  }

  /**
   * Reads again unless something still holds reading off: the user, deferred events, the turn's read budget, or
   * unwritten bytes over the limit.
   */
  private resumeReading(): void {
    const socket = this.socket;
    if (socket === null || this.paused || this.deferred !== null || this.yielding || !socket.isPaused()) return;
    if (!this.overLimit(socket.writableLength)) socket.resume();
    else if (this.budget !== null && this.budget.over) this.budget.wait(this);
  }

  /** The write budget is back under its limit (others' bytes were written, or they closed). */
  budgetFreed(): void {
    this.resumeReading();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private onPing(data: Uint8Array): void {
    this.alive = true;
    // Copy: the pong goes out after this read, the data may be a view into it.
    if (this.settings.autoPong && this.readyState === OPEN) this.enqueue(FIN | OPCODE_PONG, Buffer.from(data), undefined);
    this.events._onPing(data);
  }

  // --- Writing ---------------------------------------------------------------

  /** Bytes queued for the socket, not yet written to the kernel. */
  get bufferedAmount(): number {
    return (this.queue?.bytes ?? 0) + this.batchBytes + (this.socket?.writableLength ?? 0);
  }

  /**
   * Sends a data frame of a message (the whole message when `fin`). The caller
   * has checked that the connection is open.
   */
  sendData(payload: Uint8Array, binary: boolean, fin: boolean, cb: SendCallback | undefined, compress?: boolean): void {
    const opcode = (this.messages ??= new MessageSequence()).next(binary ? SEND_BINARY : SEND_TEXT, fin);
    const head = fin ? SEND_FIN | opcode : opcode;
    if (this.extension === null) this.enqueue(head, payload, cb);
    else this.encodeData(head, payload, cb, compress);
  }

  /** Sends a ping or pong (payload at most 125 bytes, checked by the caller). */
  sendControl(opcode: typeof OPCODE_PING | typeof OPCODE_PONG, payload: Uint8Array, cb: SendCallback | undefined): void {
    this.enqueue(FIN | opcode, payload, cb);
  }

  /**
   * Queues a frame encoded once for many connections (see `encodeShared`).
   * Returns false, queuing nothing, unless the connection is open.
   */
  sendEncoded(frame: EncodedFrame): boolean {
    if (this.readyState !== OPEN) return false;
    for (const chunk of frame.chunks) this.enqueue(ENCODED, chunk, undefined);
    return true;
  }

  /**
   * Sends bytes encoded already and shared with other connections (a range
   * of the topics' tick batch, never written again): written at once, with
   * no copy and no send queue, when nothing waits before them (in this
   * connection or its socket); otherwise queued behind what waits, and copied
   * at the flush as queued frames are. A socket keeps what it could not write
   * yet, and a range keeps its whole batch chunk alive: with the socket's
   * backlog empty first, a slow peer pins at most one chunk this way.
   * Returns false, sending nothing, unless the connection is open.
   */
  sendShared(bytes: Uint8Array): boolean {
    if (this.readyState !== OPEN) return false;
    const socket = this.socket;
    if (this.queue !== null || this.batch !== null || socket === null || socket.writableLength !== 0 || socket.destroyed || !socket.writable) {
      this.enqueue(ENCODED, bytes, undefined);
      return true;
    }
    socket.write(bytes);
    this.checkBacklog(socket);
    return true;
  }

  /** A data frame is being prepared outside the send queue (a Blob being read): a close frame waits for it. */
  holdClose(): void {
    this.encoding++;
  }

  /** That frame was queued or dropped: a close frame waiting for the last of them goes now. */
  releaseClose(): void {
    this.encoding--;
    if (this.encoding === 0 && this.closeWaiting !== null && this.socket !== null) this.queueClose(this.closeWaiting);
  }

  private encodeData(head: number, payload: Uint8Array, cb: SendCallback | undefined, compress?: boolean): void {
    const extension = this.extension!;
    const encoded = extension.encode(payload, (head & OPCODE_BITS) !== OPCODE_CONTINUATION, (head & FIN) !== 0, compress);
    if (extension.rsv1) head |= RSV1;
    if (!extension.lent) this.enqueue(head, encoded, cb);
    // Lent bytes go straight into the batch (the send fast path's general case), or are copied to be queued.
    else if (!(this.inRead && this.queue === null && cb === undefined && this.plainSocket && !this.subscription?.holding && this.intoBatch(head, encoded))) {
      this.enqueue(head, Buffer.from(encoded), cb);
    }
  }

  private enqueue(head: number, payload: Uint8Array, cb: SendCallback | undefined): void {
    // Bytes published to this connection and still held in the topics' tick batch go first.
    if (this.subscription !== null && this.subscription.holding) this.subscription.release();
    // The fast path: a frame sent inside this connection's read, with nothing queued before it (the read's flush
    // writes the batch first) and no callback, goes straight into the batch buffer. Only a plain net.Socket is known
    // to keep no reference to bytes it wrote synchronously, so only its batch buffer can be handed back and reused.
    // Kept small, the rest in functions of their own: V8 inlines this into the message listener's `send` only
    // within its inlining budget, and the short frame must fit in it (bench/results/echo-profile.md §8).
    if (this.inRead && this.queue === null && cb === undefined && head !== SEND_ENCODED && this.plainSocket) {
      const batch = this.batch;
      if (batch !== null && this.role === 'server') {
        const end = shortFrameAt(batch, this.batchAt, head, payload);
        if (end >= 0) {
          this.batchAt = end;
          this.batchBytes += payload.length;
          return;
        }
      }
      if (this.intoBatch(head, payload)) return;
    }
    this.queueFrame(head, payload, cb);
  }

  /** The send fast path's general case (the first frame of a read, a masked or longer one): false when it must be queued. */
  private intoBatch(head: number, payload: Uint8Array): boolean {
    const batch = roomFor(this.role, this.batch, this.batchAt, payload.length);
    if (batch === null) return false;
    this.batch = batch;
    this.batchAt = frameAt(this.role, batch, this.batchAt, head, payload);
    this.batchBytes += payload.length;
    return true;
  }

  /** Queues a frame for the next flush: the end of this read, or of this tick. */
  private queueFrame(head: number, payload: Uint8Array, cb: SendCallback | undefined): void {
    const queue = (this.queue ??= takeQueue());
    queue.push(head, payload);
    if (cb) (queue.callbacks ??= []).push(cb);
    // Inside a read the flush comes when the read is done; otherwise at the end of this tick.
    if (!this.inRead && !this.flushPending) {
      this.flushPending = true;
      process.nextTick(flushConnection, this);
    }
  }

  /** Writes the batch's frames and the queued ones (encoded into one buffer) with one `socket.write`. */
  flush(): void {
    this.flushPending = false;
    const socket = this.socket;
    const queue = this.queue;
    let batch = this.batch;
    if (socket === null || (queue === null && batch === null)) return;
    const batchEnd = this.batchAt;
    this.queue = null;
    this.batch = null;
    this.batchAt = 0;
    this.batchBytes = 0;
    const callbacks = queue?.callbacks ?? null;
    if (socket.destroyed || !socket.writable) {
      if (batch !== null) recycleBatch(batch);
      if (queue !== null) releaseQueue(queue);
      if (callbacks !== null) for (const cb of callbacks) process.nextTick(cb, socketClosedError());
      return;
    }
    // The common flush after a read: the send fast path's frames only, one chunk, no callbacks.
    if (queue === null) socket.write(batch!.subarray(0, batchEnd));
    else batch = this.writeQueued(socket, queue, batch, batchEnd, callbacks);
    // Nothing left in the socket: every byte went to the kernel during the write, the batch buffer is free again.
    if (batch !== null && socket.writableLength === 0) recycleBatch(batch);
    this.checkBacklog(socket);
  }

  /**
   * Writes the queued frames, after the fast path's at `batch[0, batchEnd)` if any, with one `socket.write` (corked
   * when they are several chunks); `callbacks` run once the last is written. Returns the batch buffer the write
   * used, if it is one that may be reused.
   */
  private writeQueued(socket: Socket, queue: SendQueue, batch: Buffer | null, batchEnd: number, callbacks: SendCallback[] | null): Buffer | null {
    let chunks: Uint8Array[];
    const size = batchSize(this.role, queue);
    if (batch === null) {
      batch = this.plainSocket ? borrowBatch(size) : null;
      chunks = encodeFrames(this.role, queue, batch ?? Buffer.allocUnsafe(size));
    } else {
      // Frames queued after the fast path's (rare: a callback, a large payload, a shared frame): fresh memory.
      chunks = encodeFrames(this.role, queue, Buffer.allocUnsafe(size));
      chunks.unshift(batch.subarray(0, batchEnd));
    }
    releaseQueue(queue);
    const done = callbacks === null ? undefined : (error?: Error | null) => {
      for (const cb of callbacks) cb(error ?? undefined);
    };
    const last = chunks.length - 1;
    if (last > 0) socket.cork();
    for (let i = 0; i < last; i++) socket.write(chunks[i]);
    socket.write(chunks[last], done);
    if (last > 0) socket.uncork();
    return batch;
  }

  /** After a write: bytes wait for the peer to read them. Over the limit: stop reading, start the send timeout. */
  private checkBacklog(socket: Socket): void {
    const backlog = socket.writableLength;
    const budget = this.budget;
    if (budget !== null) {
      const budgeted = this.budgeted;
      this.budgeted = backlog;
      budget.add(backlog - budgeted);
      // The budget must learn when these bytes are written, however few.
      if (backlog > 0) this.watchWrites(socket);
    }
    if (!this.overLimit(backlog)) return;
    this.watchWrites(socket);
    if (!socket.isPaused()) socket.pause();
    if (budget !== null && budget.over) {
      // Sends (a broadcast, say) keep coming to a peer that does not read: past the server-wide cap, one that is
      // also over its own limit is closed now, not at the send timeout, so the cap bounds what is held.
      if (backlog > this.settings.highWaterMark && this.readyState === OPEN) {
        this.closeUnread('Write budget exceeded: the peer read too little of what was sent while the server was over maxBufferedBytes', 'WS_ERR_WRITE_BUDGET');
        return;
      }
      budget.wait(this);
    }
    if (this.sendTimer === null && this.settings.sendTimeout > 0 && this.readyState === OPEN) {
      this.sendTimer = setTimeout(sendTimedOut, this.settings.sendTimeout, this);
      this.sendTimer.unref();
    }
  }

  private overLimit(backlog: number): boolean {
    const budget = this.budget;
    return backlog > this.settings.highWaterMark || (budget !== null && backlog > 0 && budget.over);
  }

  /**
   * Bytes wait in the socket and this connection must hear when they are
   * written (it stopped reading over a limit, or the budget counts them).
   * Node emits 'drain' only after a socket went past its own high-water mark
   * (16 KiB), so fewer bytes than that would go out unheard: an empty write
   * queued behind them calls back (`written`) once they are all written.
   */
  private watchWrites(socket: Socket): void {
    if (this.watching || !socket.writable) return;
    this.watching = true;
    socket.write(EMPTY, (this.onWritten ??= () => this.written()));
  }

  /** What was waiting when `watchWrites()` ran is written: count what waits now, read again if under the limit. */
  private written(): void {
    this.watching = false;
    const socket = this.socket;
    if (socket === null || socket.destroyed) return; // closing: onSocketClose settles
    if (socket.writableLength === 0) this.settle();
    else this.checkBacklog(socket);
    this.resumeReading();
  }

  /** Nothing waits to be written any more (drained or closed): out of the budget, no send timeout. */
  private settle(): void {
    const budget = this.budget;
    if (budget !== null) {
      budget.leave(this);
      const budgeted = this.budgeted;
      this.budgeted = 0;
      budget.add(-budgeted);
    }
    if (this.sendTimer !== null) clearTimeout(this.sendTimer);
    this.sendTimer = null;
  }

  /** Everything written: read again (unless something else holds reading off). */
  onDrain(): void {
    this.settle();
    this.resumeReading();
    this.events._onDrain();
  }

  /**
   * The send timeout fired. Still over the limit: the peer does not read. Close
   * with 1008 (our policy on unread data; 1013 would invite an immediate retry)
   * and destroy the socket shortly after, freeing what it holds: the close
   * frame waits behind the unread bytes, so a peer that never reads never sees it.
   */
  onSendTimeout(): void {
    this.sendTimer = null;
    const socket = this.socket;
    if (socket === null || this.readyState !== OPEN) return;
    if (!this.overLimit(socket.writableLength)) {
      // Back under the limit without a drain (some bytes still wait): nothing else may be about to resume reading.
      this.resumeReading();
      return;
    }
    this.closeUnread(`Send timeout: the peer read too little of what was sent for ${this.settings.sendTimeout} ms`, 'WS_ERR_SEND_TIMEOUT');
  }

  /** Closes a connection whose peer does not read with 1008 and `error`, destroying the socket shortly after. */
  private closeUnread(message: string, code: string): void {
    const socket = this.socket!;
    const error = Object.assign(new Error(message), { code, closeCode: CLOSE_POLICY_VIOLATION });
    this.sendClose(CLOSE_POLICY_VIOLATION, EMPTY);
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => socket.destroy(), Math.min(this.settings.closeTimeout, SEND_TIMEOUT_LINGER));
    this.closeTimer.unref();
    this.events._onError(error);
  }

  // --- Closing ---------------------------------------------------------------

  /**
   * Starts the closing handshake: sends a close frame (`code` absent: no
   * body) and waits for the peer's, then TCP ends. The caller has checked the
   * code and the reason. While connecting, aborts the handshake instead.
   */
  close(code: number | undefined, reason: Uint8Array): void {
    if (this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) {
      this.abort();
      return;
    }
    // A client handshake failing: its 'error' and 'close' are on the way, there is no socket to close.
    if (this.socket === null) return;
    if (this.closeSent) {
      // Called again once both close frames (or our close after an error) are out: end TCP now.
      if (this.closeReceived || this.failed) this.socket?.end();
      return;
    }
    this.sendClose(code, reason);
    if (this.closeReceived) this.finish();
    else this.armCloseTimer();
  }

  /** Destroys the connection at once, without a closing handshake. */
  terminate(): void {
    if (this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) {
      this.abort();
      return;
    }
    this.destroy();
  }

  /** Close or terminate while connecting: CLOSING now, then the handshake's 'error' and 'close' (a tick later, as ws). */
  private abort(): void {
    const abort = this.abortHandshake;
    if (abort === null) return;
    this.abortHandshake = null;
    this.readyState = CLOSING;
    process.nextTick(abort, 'WebSocket was closed before the connection was established');
  }

  /** Whether close frames went both ways. */
  get wasClean(): boolean {
    return this.closeSent && this.closeReceived;
  }

  private destroy(): void {
    this.readyState = CLOSING;
    this.socket?.destroy();
  }

  /**
   * Heartbeat: true if the peer sent anything since the last beat (then this
   * one pings it); false, terminating the connection, if it did not.
   */
  beat(): boolean {
    if (!this.alive) {
      this.terminate();
      return false;
    }
    this.alive = false;
    if (this.readyState === OPEN) this.sendControl(OPCODE_PING, EMPTY, undefined);
    return true;
  }

  private sendClose(code: number | undefined, reason: Uint8Array): void {
    let payload: Uint8Array = EMPTY;
    if (code !== undefined) {
      const frame = Buffer.allocUnsafe(2 + reason.length);
      frame.writeUInt16BE(code, 0);
      frame.set(reason, 2);
      payload = frame;
    }
    this.closeSent = true;
    this.readyState = CLOSING;
    if (this.encoding > 0) this.closeWaiting = payload;
    else this.queueClose(payload);
  }

  private queueClose(payload: Uint8Array): void {
    this.closeWaiting = null;
    this.enqueue(FIN | OPCODE_CLOSE, payload, undefined);
    // Send now: a close must not wait behind a paused read or for the next tick.
    this.flush();
  }

  private onCloseFrame(code: number, reason: string): void {
    this.closeReceived = true;
    this.closeCode = code;
    this.closeReason = Buffer.from(reason);
    if (!this.closeSent) this.sendClose(code === CLOSE_NO_STATUS ? undefined : code, this.closeReason);
    this.finish();
  }

  /** Both close frames are out: the server closes TCP (§7.1.1); a client waits for it a while. */
  private finish(): void {
    const socket = this.socket;
    if (socket === null) return;
    if (this.role === 'server') socket.end();
    this.armCloseTimer();
  }

  /** _Fail the WebSocket Connection_ (§7.1.7): close frame with the error's code, then TCP close. */
  private fail(error: FrameError): void {
    this.failed = true;
    if (!this.closeSent && this.readyState === OPEN) this.sendClose(error.closeCode, EMPTY);
    this.closeCode = CLOSE_ABNORMAL;
    this.socket?.end();
    this.armCloseTimer();
    this.events._onError(wsShapedError(error));
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null || this.socket === null) return;
    const socket = this.socket;
    this.closeTimer = setTimeout(() => socket.destroy(), this.settings.closeTimeout);
    this.closeTimer.unref();
  }

  onSocketEnd(): void {
    // The peer closed its side: nothing more can arrive, so finish ours.
    this.readyState = CLOSING;
    this.socket?.end();
  }

  /** As ws: a socket error after the handshake only ends the connection ('close' 1006 says it all). */
  onSocketError(): void {
    this.readyState = CLOSING;
    this.socket?.destroy();
  }

  onSocketClose(): void {
    this.settle();
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.readyState = CLOSED;
    this.decoder = null;
    this.closedSocket = this.socket;
    this.socket = null;
    const queue = this.queue;
    if (queue !== null) {
      this.queue = null;
      if (queue.callbacks !== null) for (const cb of queue.callbacks) process.nextTick(cb, socketClosedError());
      releaseQueue(queue);
    }
    this.extension?.close();
    this.tracker?.untrack(this.events);
    this.tracker = null;
    this.events._onClose(this.closeReceived ? this.closeCode : CLOSE_ABNORMAL, this.closeReason);
  }
}

/**
 * The read budget (READ_TURN_MS): the turn's number, when its first read began, the clock's last reading in
 * this turn, and the connections that yielded in it.
 */
let readTurn = 0;
let readTurnStart = 0;
let lastReading = 0;
let turnEnding = false;
let yielded: Connection[] = [];

/**
 * A read is starting: returns when it began. The clock is read once per read, at its end (`readEnded`; about
 * 100 ns a reading on this VM, 2-4 ns per 16-byte message): a read began when the read before it in this turn
 * ended, or at the turn's start, read here for the turn's first read. So a read's time includes what ran
 * between the two reads (libuv's own read, another socket's callbacks): it can only count as slower than it
 * was, and only a connection past the turn's budget with two slow reads in a row yields (to the check phase).
 */
function startRead(): number {
  if (!turnEnding) {
    turnEnding = true;
    readTurnStart = lastReading = performance.now();
    setImmediate(endReadTurn);
  }
  return lastReading;
}

/** A read has ended: the time, which the next read in this turn takes as its start. */
function readEnded(): number {
  return (lastReading = performance.now());
}

/** The check phase after a turn's reads: the connections that yielded read again. */
function endReadTurn(): void {
  turnEnding = false;
  readTurn++;
  const resumed = yielded;
  yielded = [];
  for (const connection of resumed) connection.endYield();
}

function flushConnection(connection: Connection): void {
  connection.flush();
}

function runDeferred(connection: Connection): void {
  connection.runDeferred();
}

function sendTimedOut(connection: Connection): void {
  connection.onSendTimeout();
}

const kOwner = Symbol('wsframe.connection');
type Owned = Socket & { [kOwner]: Connection };

function socketOnRead(this: Socket, length: number): void {
  (this as Owned)[kOwner].onRead(length);
}
function socketOnData(this: Socket, chunk: Buffer): void {
  (this as Owned)[kOwner].onData(chunk);
}
function socketOnClose(this: Socket): void {
  (this as Owned)[kOwner].onSocketClose();
}
function socketOnEnd(this: Socket): void {
  (this as Owned)[kOwner].onSocketEnd();
}
function socketOnError(this: Socket): void {
  (this as Owned)[kOwner].onSocketError();
}
function socketOnDrain(this: Socket): void {
  (this as Owned)[kOwner].onDrain();
}
