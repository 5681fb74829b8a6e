/**
 * One WebSocket connection over a TCP (or TLS) socket, for either role, with
 * an API close to ws's `WebSocket`: `send`, `ping`, `pong`, `close`,
 * `terminate`, `readyState`, `bufferedAmount` and the events `message`,
 * `ping`, `pong`, `close`, `error` and `drain`.
 *
 * Read path: socket bytes land in the shared read buffer in WASM memory
 * (see reader.ts) and go to the decoder in the same callback; messages reach
 * listeners as Buffers the listener owns. Write path: frames queued during a
 * tick (or during one socket read) are encoded into one buffer and written
 * with one `socket.write`.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { DEFAULT_MAX_PAYLOAD, FrameDecoder } from '../codec/frame-decoder.js';
import { isValidCloseCode } from '../codec/protocol.js';
import { ENCODED, encodeFrames, type Role } from './frames.js';
import { readInto } from './reader.js';
import { readBuffer } from './memory.js';
import { startClient, type ClientOptions } from './client.js';
import type { PublishOptions, PublishResult, Subscription, TopicRegistry } from './topics.js';

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

const EMPTY = Buffer.alloc(0);

/** Options shared by server-side and client connections. */
export interface ConnectionOptions {
  /** Largest message accepted, in bytes; larger ones close the connection with 1009. Default 100 MiB. */
  maxPayload?: number;
  /** How long to wait for the peer's close frame (and TCP close) after ours, in ms. Default 30 s. */
  closeTimeout?: number;
  /** Stop reading while more than this many bytes wait to be written. Default 16 MiB. */
  highWaterMark?: number;
}

export const DEFAULTS = {
  maxPayload: DEFAULT_MAX_PAYLOAD,
  closeTimeout: 30_000,
  highWaterMark: 16 * 1024 * 1024,
};

/** Data `send` accepts, as in ws. */
export type Data = string | Buffer | ArrayBuffer | ArrayBufferView;

type Callback = (error?: Error) => void;

function toBytes(data: Data): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('data must be a string, Buffer, ArrayBuffer or ArrayBufferView');
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export class WebSocket extends EventEmitter {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readyState = 0;
  /** The subprotocol agreed in the handshake, or ''. */
  protocol = '';
  /** Negotiated extensions: always '' (wsframe negotiates none). */
  readonly extensions = '';
  /** Messages are delivered as Buffers. */
  readonly binaryType = 'nodebuffer';
  /** The URL this client connected to; '' on the server side. */
  url = '';

  /**
   * A client connection to `address` (ws:// or wss://), opening at once; or,
   * with no address, a server-side connection (the server creates those).
   */
  constructor(address?: string | URL | null, protocols?: string | string[] | ClientOptions, options?: ClientOptions) {
    super();
    if (address === undefined || address === null) return;
    if (protocols !== undefined && typeof protocols === 'object' && !Array.isArray(protocols)) {
      options = protocols;
      protocols = undefined;
    }
    startClient(this, address, { ...options, protocols: (protocols as string | string[] | undefined) ?? options?.protocols });
  }

  /** @internal The server that accepted this connection. */
  _server: {
    _untrack(ws: WebSocket): void;
    readonly topics: TopicRegistry;
    publish(topic: string, data: Data, options?: PublishOptions, except?: WebSocket): PublishResult;
  } | null = null;

  /** @internal This connection's topics and pending published bytes; owned by the server's `TopicRegistry`. */
  _subscription: Subscription | null = null;

  /** @internal Aborts a client handshake in progress. */
  _abortHandshake: ((message: string) => void) | null = null;

  /** @internal Heartbeat flag: a pong (or any frame) arrived since the last ping. */
  _alive = true;
  /** @internal */
  _socket: Socket | null = null;
  private role: Role = 'server';
  private decoder: FrameDecoder | null = null;
  private maxPayload = DEFAULTS.maxPayload;
  private closeTimeout = DEFAULTS.closeTimeout;
  private highWaterMark = DEFAULTS.highWaterMark;

  // Frames waiting for the next flush, encoded together and written once. Created
  // on first use and dropped after each flush: an idle connection holds none.
  private opcodes: number[] | null = null;
  private payloads: Uint8Array[] | null = null;
  private fins: boolean[] | null = null;
  private queued = 0;
  private callbacks: Callback[] | null = null;
  private flushPending = false;
  /** A message sent with `fin: false` is in progress: the next frames are continuations. */
  private fragmenting = false;
  private inRead = false;
  private paused = false;

  private closeSent = false;
  private closeReceived = false;
  private closeCode = 1006;
  private closeReason: Buffer = EMPTY;
  private closeTimer: NodeJS.Timeout | null = null;

  /** @internal Takes over `socket` once its handshake is done; `head` holds bytes read past the handshake. */
  _attach(socket: Socket, head: Uint8Array, role: Role, options: ConnectionOptions): void {
    this.role = role;
    this.maxPayload = options.maxPayload ?? DEFAULTS.maxPayload;
    this.closeTimeout = options.closeTimeout ?? DEFAULTS.closeTimeout;
    this.highWaterMark = options.highWaterMark ?? DEFAULTS.highWaterMark;
    this._socket = socket;
    this.readyState = WebSocket.OPEN;
    socket.setNoDelay(true);
    socket.setTimeout(0);
    // Shared listeners that find the connection through the socket: no closures per connection.
    (socket as Owned)[kOwner] = this;
    socket.on('close', socketOnClose);
    socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    socket.on('drain', socketOnDrain);
    // Bytes that came with the handshake are decoded once the caller has added its
    // listeners, including after an `await` on the open (a macrotask later), and
    // always before any later read.
    if (head.length > 0) {
      this.head = head;
      setImmediate(() => this.feedHead());
    }
    if (!readInto(socket, readBuffer, socketOnRead)) socket.on('data', socketOnData);
    socket.resume();
  }

  /**
   * The decoder, created at the first read: a connection that never received
   * anything holds no decoder state.
   */
  private decoderFor(): FrameDecoder | null {
    if (this.decoder === null && this.readyState !== WebSocket.CLOSED && !this.failed) {
      this.decoder = new FrameDecoder({
        role: this.role,
        maxPayload: this.maxPayload,
        onMessage: (data, isBinary) => this.emit('message', asBuffer(data), isBinary),
        onPing: (data) => this.onPing(data),
        onPong: (data) => {
          this._alive = true;
          this.emit('pong', asBuffer(data));
        },
        onClose: (code, reason) => this.onCloseFrame(code, reason),
        onError: (error) => this.fail(error),
      });
    }
    return this.decoder;
  }

  private failed = false;

  private head: Uint8Array | null = null;

  private feedHead(): void {
    const head = this.head;
    if (head === null) return;
    this.head = null;
    this._feed(head);
  }

  /** @internal A socket read landed in the read buffer (the codec's I/O region): decode it where it is. */
  _onRead(length: number): void {
    if (this.head !== null) {
      // Rare: a read before the handshake's extra bytes were decoded. Decoding those
      // reuses the region, so take this read out of it first.
      const read = readBuffer.slice(0, length);
      this.feedHead();
      this._feed(read);
      return;
    }
    const decoder = this.decoderFor();
    if (decoder === null || decoder.stopped) return;
    this.inRead = true;
    try {
      decoder.pushIO(length);
    } finally {
      this.inRead = false;
    }
    if (this.opcodes !== null) this.flush();
  }

  /** @internal Bytes from elsewhere (past the handshake, or a TLS socket's 'data'): the decoder copies them in. */
  _feed(chunk: Uint8Array): void {
    if (this.head !== null && chunk !== this.head) this.feedHead();
    const decoder = this.decoderFor();
    if (decoder === null || decoder.stopped) return;
    this.inRead = true;
    try {
      decoder.push(chunk);
    } finally {
      this.inRead = false;
    }
    if (this.opcodes !== null) this.flush();
  }

  /** Bytes queued for the socket, not yet written to the kernel. */
  get bufferedAmount(): number {
    return this.queued + (this._socket?.writableLength ?? 0);
  }

  /**
   * Sends a message; strings are text and everything else binary unless
   * `options.binary` says otherwise. `fin: false` sends a fragment (continue
   * the message with more `send` calls; the last has `fin: true`).
   */
  send(data: Data, options?: { binary?: boolean; fin?: boolean; mask?: boolean; compress?: boolean } | Callback, cb?: Callback): void {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    if (this.readyState !== WebSocket.OPEN) {
      this.notOpen(cb);
      return;
    }
    const binary = options?.binary ?? typeof data !== 'string';
    const opcode = this.fragmenting ? OP_CONTINUATION : binary ? OP_BINARY : OP_TEXT;
    const fin = options?.fin ?? true;
    this.fragmenting = !fin;
    this.enqueue(opcode, toBytes(data), fin, cb);
  }

  /** Sends a ping (at most 125 bytes of data). */
  ping(data?: Data, _mask?: boolean, cb?: Callback): void {
    this.control(OP_PING, data, cb);
  }

  /** Sends an unsolicited pong (at most 125 bytes of data). */
  pong(data?: Data, _mask?: boolean, cb?: Callback): void {
    this.control(OP_PONG, data, cb);
  }

  private control(opcode: number, data: Data | undefined, cb?: Callback): void {
    const payload = data === undefined ? EMPTY : typeof data === 'number' ? Buffer.from(String(data)) : toBytes(data);
    if (payload.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    if (this.readyState !== WebSocket.OPEN) {
      this.notOpen(cb);
      return;
    }
    this.enqueue(opcode, payload, true, cb);
  }

  private notOpen(cb?: Callback): void {
    if (this.readyState === WebSocket.CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (cb) process.nextTick(cb, new Error(`WebSocket is not open: readyState ${this.readyState}`));
  }

  /**
   * Starts the closing handshake: sends a close frame and waits for the
   * peer's, then the TCP connection ends. `code` 1000 or 3000–4999 (or
   * another sendable code); the reason is at most 123 bytes of UTF-8.
   */
  close(code?: number, reason?: string | Buffer): void {
    if (this.readyState === WebSocket.CLOSED) return;
    if (this.readyState === WebSocket.CONNECTING) {
      this.abortConnecting('WebSocket was closed before the connection was established');
      return;
    }
    if (code !== undefined && !isValidCloseCode(code)) throw new TypeError('First argument must be a valid error code number');
    const reasonBytes = reason === undefined ? EMPTY : Buffer.from(reason);
    if (reasonBytes.length > 123) throw new RangeError('The message must not be greater than 123 bytes');
    if (this.closeSent) return;
    this.sendClose(code, reasonBytes);
    if (this.closeReceived) this.finish();
    else this.armCloseTimer();
  }

  /** Destroys the connection at once, without a closing handshake. */
  terminate(): void {
    if (this.readyState === WebSocket.CLOSED) return;
    if (this.readyState === WebSocket.CONNECTING) {
      this.abortConnecting('WebSocket was closed before the connection was established');
      return;
    }
    this.readyState = WebSocket.CLOSING;
    this._socket?.destroy();
  }

  /** Stops reading from the peer until `resume()`. */
  pause(): void {
    this.paused = true;
    this._socket?.pause();
  }

  resume(): void {
    this.paused = false;
    if (this._socket !== null && !this.overHighWater()) this._socket.resume();
  }

  private abortConnecting(message: string): void {
    this._abortHandshake?.(message);
  }

  /**
   * Subscribes this (server-side) connection to `topic`, as in Bun and
   * uWebSockets; false if it already was or is not open. A closed connection
   * leaves all its topics.
   */
  subscribe(topic: string): boolean {
    return this.registry().subscribe(this, topic);
  }

  /** Unsubscribes from `topic`; false if this connection was not subscribed. */
  unsubscribe(topic: string): boolean {
    return this.registry().unsubscribe(this, topic);
  }

  /** Whether this connection is subscribed to `topic`. */
  isSubscribed(topic: string): boolean {
    return this._server?.topics.isSubscribed(this, topic) ?? false;
  }

  /** The topics this connection is subscribed to. */
  get topics(): string[] {
    return this._server?.topics.topicsOf(this) ?? [];
  }

  /**
   * Publishes to every subscriber of `topic` except this connection, as Bun's
   * `ws.publish` (see `WebSocketServer#publish`).
   */
  publish(topic: string, data: Data, options?: PublishOptions): PublishResult {
    if (this._server === null) throw new Error('Only server-side connections publish');
    return this._server.publish(topic, data, options, this);
  }

  private registry(): TopicRegistry {
    if (this._server === null) throw new Error('Only server-side connections have topics');
    return this._server.topics;
  }

  /** @internal Queues an already-encoded frame (a broadcast frame shared by many connections). */
  _sendEncoded(frame: Uint8Array[]): void {
    if (this.readyState !== WebSocket.OPEN) return;
    for (const chunk of frame) this.enqueue(ENCODED, chunk, true, undefined);
  }

  private enqueue(opcode: number, payload: Uint8Array, fin: boolean, cb: Callback | undefined): void {
    // Published bytes pending for this connection go first: messages leave in the order sent.
    if (this._subscription !== null && this._subscription.chunk !== null) this._subscription.release();
    if (this.opcodes === null) {
      this.opcodes = [opcode];
      this.payloads = [payload];
      this.fins = [fin];
    } else {
      this.opcodes.push(opcode);
      this.payloads!.push(payload);
      this.fins!.push(fin);
    }
    this.queued += payload.length;
    if (cb) (this.callbacks ??= []).push(cb);
    // Inside a read the flush comes when the read is done; otherwise at the end of this tick.
    if (!this.inRead && !this.flushPending) {
      this.flushPending = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Encodes every queued frame into one buffer and writes it with one `socket.write`. */
  private flush(): void {
    this.flushPending = false;
    const socket = this._socket;
    const opcodes = this.opcodes;
    if (socket === null || opcodes === null) return;
    const payloads = this.payloads!;
    const fins = this.fins!;
    const callbacks = this.callbacks;
    this.opcodes = this.payloads = this.fins = this.callbacks = null;
    this.queued = 0;
    if (socket.destroyed || !socket.writable) {
      if (callbacks !== null) for (const cb of callbacks) process.nextTick(cb, new Error('The socket was closed'));
      return;
    }
    const chunks = encodeFrames(this.role, opcodes, payloads, fins);
    const done = callbacks === null ? undefined : (error?: Error | null) => {
      for (const cb of callbacks) cb(error ?? undefined);
    };
    const last = chunks.length - 1;
    if (last > 0) socket.cork();
    for (let i = 0; i < last; i++) socket.write(chunks[i]);
    socket.write(chunks[last], done);
    if (last > 0) socket.uncork();
    if (this.overHighWater() && !socket.isPaused()) socket.pause();
  }

  private overHighWater(): boolean {
    return (this._socket?.writableLength ?? 0) > this.highWaterMark;
  }

  /** @internal */
  _onDrain(): void {
    if (!this.paused && this._socket !== null && this._socket.isPaused()) this._socket.resume();
    this.emit('drain');
  }

  private onPing(data: Uint8Array): void {
    this._alive = true;
    // Copy: the pong goes out after this read, the data may be a view into it.
    if (this.readyState === WebSocket.OPEN) this.enqueue(OP_PONG, Buffer.from(data), true, undefined);
    this.emit('ping', asBuffer(data));
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
    this.readyState = WebSocket.CLOSING;
    this.enqueue(OP_CLOSE, payload, true, undefined);
    // Send now: a close must not wait behind a paused read or for the next tick.
    this.flush();
  }

  private onCloseFrame(code: number, reason: string): void {
    this.closeReceived = true;
    this.closeCode = code;
    this.closeReason = Buffer.from(reason);
    if (!this.closeSent) this.sendClose(code === 1005 ? undefined : code, this.closeReason);
    this.finish();
  }

  /** Both close frames are out: the server closes TCP (§7.1.1); a client waits for it a while. */
  private finish(): void {
    const socket = this._socket;
    if (socket === null) return;
    if (this.role === 'server') socket.end();
    this.armCloseTimer();
  }

  /** _Fail the WebSocket Connection_ (§7.1.7): close frame with the error's code, then TCP close. */
  private fail(error: Error & { closeCode: number }): void {
    this.failed = true;
    if (!this.closeSent && this.readyState === WebSocket.OPEN) this.sendClose(error.closeCode, EMPTY);
    this.closeCode = 1006;
    this._socket?.end();
    this.armCloseTimer();
    this.emitError(error);
  }

  /** Reports an error to 'error' listeners; with none, a peer's mistake must not crash the process. */
  private emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null || this._socket === null) return;
    const socket = this._socket;
    this.closeTimer = setTimeout(() => socket.destroy(), this.closeTimeout);
    this.closeTimer.unref();
  }

  /** @internal */
  _onSocketEnd(): void {
    // The peer closed its side: nothing more can arrive, so finish ours.
    this.readyState = WebSocket.CLOSING;
    this._socket?.end();
  }

  /** @internal */
  _onSocketError(error: Error): void {
    this.readyState = WebSocket.CLOSING;
    // Reset by the peer after the closing handshake is not worth reporting.
    if (!this.closeReceived) this.emitError(error);
    this._socket?.destroy();
  }

  /** @internal */
  _onSocketClose(): void {
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.readyState = WebSocket.CLOSED;
    this.decoder = null;
    this._socket = null;
    if (this.callbacks !== null) for (const cb of this.callbacks) process.nextTick(cb, new Error('The socket was closed'));
    this.opcodes = this.payloads = this.fins = this.callbacks = null;
    this.queued = 0;
    this._server?.topics.unsubscribeAll(this);
    this._server?._untrack(this);
    this._server = null;
    this.emit('close', this.closeReceived ? this.closeCode : 1006, this.closeReason);
  }
}

const kOwner = Symbol('wsframe.websocket');
type Owned = Socket & { [kOwner]: WebSocket };

function socketOnRead(this: Socket, length: number): void {
  (this as Owned)[kOwner]._onRead(length);
}
function socketOnData(this: Socket, chunk: Buffer): void {
  (this as Owned)[kOwner]._feed(chunk);
}
function socketOnClose(this: Socket): void {
  (this as Owned)[kOwner]._onSocketClose();
}
function socketOnEnd(this: Socket): void {
  (this as Owned)[kOwner]._onSocketEnd();
}
function socketOnError(this: Socket, error: Error): void {
  (this as Owned)[kOwner]._onSocketError(error);
}
function socketOnDrain(this: Socket): void {
  (this as Owned)[kOwner]._onDrain();
}

type Listener = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Typed events, as ws's. */
export interface WebSocket {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'open' | 'drain', listener: () => void): this;
  on(event: string | symbol, listener: Listener): this;
  once(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  once(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  once(event: string | symbol, listener: Listener): this;
}
