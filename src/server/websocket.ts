/**
 * The public face of one WebSocket connection, with ws's `WebSocket` API (see
 * ws's doc/ws.md): `send`, `ping`, `pong`, `close`, `terminate`, `pause`,
 * `resume`, `readyState`, `bufferedAmount`, `binaryType`, `isPaused`, the
 * events `open`, `message`, `ping`, `pong`, `close`, `error`, `drain`, and the
 * EventTarget interface (`addEventListener`, `onmessage`, …). It checks and
 * coerces arguments and turns what its `Connection` (connection.ts, the single
 * owner of the connection's state) reports into events.
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import process from 'node:process';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD, OPCODE_PING, OPCODE_PONG, isValidCloseCode } from '../codec/protocol.js';
import { BlobSends, isBlob } from './blob-sends.js';
import { startClient, type ClientHandshake, type ClientOptions } from './client.js';
import { CLOSED, CLOSING, CONNECTING, Connection, OPEN, type ConnectionEvents } from './connection.js';
import {
  addEventListener, getAttribute, removeEventListener, setAttribute, type EventHandler, type EventSource,
} from './event-target.js';
import type { SendCallback } from './frames.js';
import type { PublishOptions, PublishResult, TopicRegistry } from './topics.js';

export type { ConnectionOptions } from './connection.js';

const EMPTY = Buffer.alloc(0);
const nativeEmit = EventEmitter.prototype.emit;
/** Where EventEmitter keeps listeners (a function for one, an array for several), in Node and the runtimes that port its events module. */
type EmitterFields = { _events?: Record<string | symbol, unknown> };

/**
 * A WebSocket's listener table (EventEmitter's `_events`). EventEmitter makes
 * it `{ __proto__: null }`, which V8 keeps in dictionary mode: about 160 bytes
 * per connection for its first event, the largest object of an idle
 * connection after the Connection itself. Instances of this constructor are
 * fast-mode objects with in-object fields, and just as empty of inherited
 * names: their prototype has no properties and a null prototype.
 */
const ListenerTable = function ListenerTable() {} as unknown as new () => Record<string | symbol, unknown>;
ListenerTable.prototype = Object.create(null);
const READY_STATES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
const BINARY_TYPES = ['nodebuffer', 'arraybuffer', 'fragments', 'blob'] as const;

/** How binary messages are delivered: a Buffer, an ArrayBuffer, an array of Buffers, or a Blob. */
export type BinaryType = (typeof BINARY_TYPES)[number];

/**
 * What `send`, `ping` and `pong` accept, as in ws: strings (UTF-8), bytes
 * (views share the caller's memory until the write), numbers (sent as their
 * decimal string), Blobs (read asynchronously; later sends wait for them),
 * and whatever `Buffer.from` takes (arrays of byte values, objects whose
 * `valueOf` or `Symbol.toPrimitive` gives one of those).
 */
export type Data =
  | string | number | Buffer | ArrayBuffer | SharedArrayBuffer | ArrayBufferView | Blob | readonly number[]
  | { valueOf(): ArrayBuffer | SharedArrayBuffer | Uint8Array | readonly number[] | string }
  | { [Symbol.toPrimitive](hint: string): string };

/** What `publish` takes: what `send` takes but Blobs (published messages are framed at once). */
export type BytesData = Exclude<Data, Blob>;

/** Options of `send`. */
export interface SendOptions {
  /** Send as a binary message; default: strings are text, everything else binary. */
  binary?: boolean;
  /** `false` sends a fragment: continue the message with more `send` calls, the last with `fin: true`. Default true. */
  fin?: boolean;
  /** Ignored: a client masks every frame and a server none, as RFC 6455 requires. */
  mask?: boolean;
  /** Ignored unless permessage-deflate was negotiated. */
  compress?: boolean;
}

/** `data` as bytes, as ws's `toBuffer` makes them: views share memory, anything else goes through `Buffer.from`. */
export function toBytes(data: BytesData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && data instanceof SharedArrayBuffer)) return new Uint8Array(data);
  // Strings, arrays and array-likes, objects with valueOf/toPrimitive; Node throws a TypeError naming anything else.
  return Buffer.from(data as string);
}

/** The server side of topics, as a connection sees it (the server that accepted it). */
interface TopicHost {
  readonly topics: TopicRegistry;
  publish(topic: string, data: BytesData, options: PublishOptions | undefined, except: WebSocket): PublishResult;
}

// Module-local copies of the ready states `send` tests once per message. V8 (11.3) reads an imported binding from
// its module cell, with a TDZ check, at every use in optimized code; a module's own const is folded in
// (frame-writer.ts does the same; bench/results/echo-profile.md §13).
const SEND_CONNECTING = CONNECTING;
const SEND_OPEN = OPEN;

function bytesOrBlob(data: Data): Uint8Array | Blob {
  if (data instanceof Uint8Array) return data; // the common case first: one check
  return isBlob(data) ? data : toBytes(data);
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * The client constructor's arguments, checked before the handshake starts: `protocols` may be left out
 * (options in its place), otherwise a string or an array; options are an object. A null `protocols` is
 * offered as a subprotocol and refused by the handshake with ws's SyntaxError, as in ws.
 * @throws {TypeError} saying which argument is wrong
 */
function checkClientArguments(address: unknown, protocols: unknown, options: unknown): void {
  if (typeof address !== 'string' && !(address instanceof URL)) {
    throw new TypeError(`The address must be a string or a URL, got ${describe(address)}`);
  }
  if (protocols !== undefined && protocols !== null && typeof protocols === 'object' && !Array.isArray(protocols)) {
    if (options !== undefined) throw new TypeError('The protocols must be a string or an array of strings when options are given too');
    options = protocols;
  } else if (protocols !== undefined && protocols !== null && typeof protocols !== 'string' && !Array.isArray(protocols)) {
    throw new TypeError(`The protocols must be a string or an array of strings, got ${describe(protocols)}`);
  }
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`The options must be an object, got ${describe(options)}`);
  }
}

export class WebSocket extends EventEmitter implements ConnectionEvents, EventSource {
  // The ready-state constants: defined below, on the class and on the prototype, read-only as in ws.
  declare static readonly CONNECTING: typeof CONNECTING;
  declare static readonly OPEN: typeof OPEN;
  declare static readonly CLOSING: typeof CLOSING;
  declare static readonly CLOSED: typeof CLOSED;
  declare readonly CONNECTING: typeof CONNECTING;
  declare readonly OPEN: typeof OPEN;
  declare readonly CLOSING: typeof CLOSING;
  declare readonly CLOSED: typeof CLOSED;

  /** @internal The connection's state: handshakes attach sockets to it, the server beats its heart. */
  readonly _connection: Connection = new Connection(this);
  private type: BinaryType = 'nodebuffer';
  /**
   * Whether 'message' may call a lone listener directly (see `_onMessage`): EventEmitter's `captureRejections`
   * was off when this was constructed, as `emit` reads it for this instance for good.
   */
  private readonly directMessages = !EventEmitter.captureRejections;
  /** Bytes of data passed to `send`/`ping`/`pong` after the connection closed (ws counts them in `bufferedAmount`). */
  private discarded = 0;
  /** An error was reported: later ones (a Blob that fails to read after a protocol error) are not. */
  private errorReported = false;
  /** Sends from the first Blob not yet sent on, in order; null until a Blob is sent. */
  private blobs: BlobSends | null = null;
  /** @internal The server's topics, for a server-side connection (set when the server accepts it). */
  _topics: TopicHost | null = null;

  /**
   * A client connection to `address` (ws:, wss:, http: or https:), opening at
   * once; `protocols` are the subprotocols to offer. With `address` null (or
   * absent), a server-side connection, which the server attaches.
   */
  constructor(address?: string | URL | null, protocols?: string | string[] | ClientOptions, options?: ClientOptions) {
    super();
    (this as EmitterFields)._events = new ListenerTable();
    if (address === undefined || address === null) return;
    checkClientArguments(address, protocols, options);
    startClient(this, address, protocols, options);
  }

  /** @internal A client's opening handshake (client.ts sets it); null on the server side. */
  _handshake: ClientHandshake | null = null;

  /** The URL this client connected to (after redirects); '' on the server side. */
  get url(): string {
    return this._handshake?.url ?? '';
  }

  /** @internal The upgrade request in flight (as ws's `_req`), null once answered. */
  get _req(): ClientRequest | null {
    return this._handshake?.req ?? null;
  }

  /** @internal Redirects followed (as ws's `_redirects`). */
  get _redirects(): number {
    return this._handshake?.redirects ?? 0;
  }

  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  get readyState(): number {
    return this._connection.readyState;
  }

  /** The subprotocol agreed in the handshake, or ''. */
  get protocol(): string {
    return this._connection.protocol;
  }

  /** The negotiated extensions, as the handshake's `Sec-WebSocket-Extensions`; '' for none. */
  get extensions(): string {
    return this._connection.extension?.header ?? '';
  }

  /** Bytes queued for the socket, not yet written to the kernel. */
  get bufferedAmount(): number {
    return this._connection.bufferedAmount + this.discarded + (this.blobs?.bytes ?? 0);
  }

  /**
   * How binary messages reach `message` listeners: 'nodebuffer' (default), 'arraybuffer',
   * 'fragments' (an array of Buffers) or 'blob'. Text messages are always Buffers
   * (strings for EventTarget listeners). Other values are ignored, as in ws.
   */
  get binaryType(): BinaryType {
    return this.type;
  }

  set binaryType(type: BinaryType) {
    if ((BINARY_TYPES as readonly string[]).includes(type)) this.type = type;
  }

  /** Whether `pause()` stopped reading. */
  get isPaused(): boolean {
    return this._connection.isPaused;
  }

  /** The underlying socket once the handshake is done, also after it closed (as ws's `_socket`); null before. */
  get _socket(): Socket | null {
    return this._connection.socket ?? this._connection.closedSocket;
  }

  /** @internal Close frames went both ways (`CloseEvent.wasClean`). */
  get _wasClean(): boolean {
    return this._connection.wasClean;
  }

  /**
   * Sends a message: strings are text, everything else binary unless
   * `options.binary` says otherwise; no data sends an empty message.
   * `cb(error?)` runs once the message is written. Throws while connecting;
   * after the close, `cb` gets an error.
   */
  send(data?: Data | null, options?: SendOptions | SendCallback, cb?: SendCallback): void {
    // Read once, against module-local copies: see SEND_OPEN.
    const state = this._connection.readyState;
    if (state === SEND_CONNECTING) throw this.notOpen();
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    if (typeof data === 'number') data = data.toString();
    if (state !== SEND_OPEN) {
      this.discard(data, cb);
      return;
    }
    const binary = options?.binary ?? typeof data !== 'string';
    const fin = options?.fin ?? true;
    const compress = options?.compress;
    const payload = data ? bytesOrBlob(data) : EMPTY;
    // Without a closure when it goes now: this runs once per message.
    if (this.sendsNow(payload)) this._connection.sendData(payload, binary, fin, cb, compress);
    else this.sendLater(payload, cb, (bytes) => this._connection.sendData(bytes, binary, fin, cb, compress));
  }

  /** Sends a ping of at most 125 bytes: `ping()`, `ping(cb)`, `ping(data, cb)` or `ping(data, mask, cb)`. */
  ping(data?: Data | SendCallback, mask?: boolean | SendCallback, cb?: SendCallback): void {
    this.control(OPCODE_PING, data, mask, cb);
  }

  /** Sends an unsolicited pong of at most 125 bytes, with the arguments of `ping`. */
  pong(data?: Data | SendCallback, mask?: boolean | SendCallback, cb?: SendCallback): void {
    this.control(OPCODE_PONG, data, mask, cb);
  }

  private control(opcode: typeof OPCODE_PING | typeof OPCODE_PONG, data: Data | SendCallback | undefined, mask: boolean | SendCallback | undefined, cb?: SendCallback): void {
    if (this.readyState === CONNECTING) throw this.notOpen();
    if (typeof data === 'function') {
      cb = data;
      data = undefined;
    } else if (typeof mask === 'function') {
      cb = mask;
    }
    if (typeof data === 'number') data = data.toString();
    if (this.readyState !== OPEN) {
      this.discard(data, cb);
      return;
    }
    const payload = data ? bytesOrBlob(data) : EMPTY;
    if ((isBlob(payload) ? payload.size : payload.length) > MAX_CONTROL_PAYLOAD) throw new RangeError('The data size must not be greater than 125 bytes');
    if (this.sendsNow(payload)) this._connection.sendControl(opcode, payload, cb);
    else this.sendLater(payload, cb, (bytes) => this._connection.sendControl(opcode, bytes, cb));
  }

  /** Whether `data` goes out now: it is bytes (not a Blob) and no Blob sent before it is still being read (ws's order). */
  private sendsNow(data: Uint8Array | Blob): data is Uint8Array {
    return data instanceof Uint8Array && (this.blobs === null || !this.blobs.waiting);
  }

  /** From the first Blob on, sends go out in order once the Blobs before them are read. */
  private sendLater(data: Uint8Array | Blob, cb: SendCallback | undefined, send: (payload: Uint8Array) => void): void {
    (this.blobs ??= new BlobSends(this._connection, (error) => this.blobFailed(error))).push(data, cb, send);
  }

  /** A Blob could not be read: as ws, 'error' (unless closed), and the connection ends. */
  private blobFailed(error: Error): void {
    if (this.readyState === CLOSED) return;
    this._onError(error);
    this._connection.terminate();
  }

  private notOpen(): Error {
    return new Error(`WebSocket is not open: readyState ${this.readyState} (${READY_STATES[this.readyState]})`);
  }

  /** Data sent after the close: counted in `bufferedAmount` as ws does, and the callback gets an error. */
  private discard(data: Data | null | undefined, cb: SendCallback | undefined): void {
    if (data) this.discarded += isBlob(data) ? data.size : toBytes(data).length;
    if (cb) process.nextTick(cb, this.notOpen());
  }

  /**
   * Starts the closing handshake: sends a close frame and waits for the
   * peer's, then the TCP connection ends. `code`: 1000–1003, 1007–1014 or
   * 3000–4999; `reason`: at most 123 bytes of UTF-8, only with a code. While
   * connecting, aborts the handshake ('error', then 'close').
   */
  close(code?: number, reason?: string | Buffer): void {
    const state = this.readyState;
    if (state === OPEN) {
      if (code !== undefined && (typeof code !== 'number' || !isValidCloseCode(code))) {
        throw new TypeError('First argument must be a valid error code number');
      }
      if (reason !== undefined && Buffer.byteLength(reason) > MAX_CLOSE_REASON) {
        throw new RangeError('The message must not be greater than 123 bytes');
      }
    }
    const reasonBytes = code === undefined || !reason ? EMPTY : typeof reason === 'string' ? Buffer.from(reason) : reason;
    if (state !== CLOSED) this._connection.close(code, reasonBytes);
  }

  /**
   * Subscribes this (server-side) connection to `topic`, as in Bun and
   * uWebSockets; false if it already was or is not open. A closed connection
   * leaves all its topics.
   */
  subscribe(topic: string): boolean {
    return this.host().topics.subscribe(this, topic);
  }

  /** Unsubscribes from `topic`; false if this connection was not subscribed. */
  unsubscribe(topic: string): boolean {
    return this.host().topics.unsubscribe(this, topic);
  }

  /** Whether this connection is subscribed to `topic`. */
  isSubscribed(topic: string): boolean {
    return this._topics?.topics.isSubscribed(this, topic) ?? false;
  }

  /** The topics this connection is subscribed to. */
  get topics(): string[] {
    return this._topics?.topics.topicsOf(this) ?? [];
  }

  /**
   * Publishes to every subscriber of `topic` but this connection, as Bun's
   * `ws.publish` (see `WebSocketServer#publish`).
   */
  publish(topic: string, data: BytesData, options?: PublishOptions): PublishResult {
    return this.host().publish(topic, data, options, this);
  }

  private host(): TopicHost {
    if (this._topics === null) throw new Error('Only server-side connections have topics');
    return this._topics;
  }

  /** Destroys the connection at once, without a closing handshake; while connecting, aborts the handshake. */
  terminate(): void {
    this._connection.terminate();
  }

  /** Stops reading from the peer until `resume()` (nothing happens while connecting or once closed). */
  pause(): void {
    this._connection.pause();
  }

  /** Reads from the peer again after `pause()`. */
  resume(): void {
    this._connection.resume();
  }

  /** Adds an EventTarget-style handler for 'open', 'message', 'close' or 'error' (as ws: other types are ignored). */
  addEventListener(type: string, handler: EventHandler, options?: { once?: boolean }): void {
    addEventListener(this, type, handler, options);
  }

  /** Removes a handler added with `addEventListener`. */
  removeEventListener(type: string, handler: EventHandler): void {
    removeEventListener(this, type, handler);
  }

  /** @internal */
  _onOpen(): void {
    this.emit('open');
  }

  /** @internal */
  _onMessage(data: Uint8Array, isBinary: boolean): void {
    const message = !isBinary || this.type === 'nodebuffer' ? asBuffer(data) : this.binary(data);
    // One listener, EventEmitter's own emit, no captured rejections: call it as emit would (same `this`, same
    // arguments, its throw propagates, a `once` wrapper removes itself), without emit's rest array, `apply` and
    // megamorphic keyed lookup. Read per message, so a listener added or removed by the one before is seen.
    // Anything else (several listeners, none, an overridden emit) goes through emit.
    const listener = this.directMessages && this.emit === nativeEmit ? (this as unknown as EmitterFields)._events?.message : undefined;
    if (typeof listener === 'function') listener.call(this, message, isBinary);
    else this.emit('message', message, isBinary);
  }

  /** A binary message in the form `binaryType` asks for. */
  private binary(data: Uint8Array): ArrayBuffer | Buffer[] | Blob {
    if (this.type === 'arraybuffer') return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    if (this.type === 'fragments') return [asBuffer(data)];
    return new Blob([data as Uint8Array<ArrayBuffer>]);
  }

  /** @internal */
  _onPing(data: Uint8Array): void {
    this.emit('ping', asBuffer(data));
  }

  /** @internal */
  _onPong(data: Uint8Array): void {
    this.emit('pong', asBuffer(data));
  }

  /**
   * @internal Reports an error to 'error' listeners, once per connection as ws does (the first error ends
   * it); with no listener, a peer's mistake must not crash the process.
   */
  _onError(error: Error): void {
    if (this.errorReported) return;
    this.errorReported = true;
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** @internal */
  _onDrain(): void {
    this.emit('drain');
  }

  /** @internal */
  _onClose(code: number, reason: Buffer): void {
    this.emit('close', code, reason);
  }
}

// As ws (and the WHATWG interface): the ready-state constants are enumerable, read-only properties of
// the class and of the prototype, and the attributes are enumerable accessors of the prototype.
READY_STATES.forEach((name, value) => {
  const constant = { enumerable: true, value, writable: false, configurable: false };
  Object.defineProperty(WebSocket, name, constant);
  Object.defineProperty(WebSocket.prototype, name, constant);
});
for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url']) {
  Object.defineProperty(WebSocket.prototype, name, { ...Object.getOwnPropertyDescriptor(WebSocket.prototype, name), enumerable: true });
}

/** The `on<event>` attributes of the EventTarget interface. */
export interface WebSocket {
  onopen: ((event: import('./event-target.js').Event) => void) | null;
  onmessage: ((event: import('./event-target.js').MessageEvent) => void) | null;
  onclose: ((event: import('./event-target.js').CloseEvent) => void) | null;
  onerror: ((event: import('./event-target.js').ErrorEvent) => void) | null;
}
for (const type of ['open', 'message', 'close', 'error'] as const) {
  Object.defineProperty(WebSocket.prototype, `on${type}`, {
    enumerable: true,
    configurable: true,
    get(this: WebSocket) {
      return getAttribute(this, type);
    },
    set(this: WebSocket, handler: unknown) {
      setAttribute(this, type, handler);
    },
  });
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
