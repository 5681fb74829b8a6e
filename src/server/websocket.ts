/**
 * The public face of one WebSocket connection, with ws's `WebSocket` API:
 * `send`, `ping`, `pong`, `close`, `terminate`, `readyState`,
 * `bufferedAmount` and the events `message`, `ping`, `pong`, `close`, `error`
 * and `drain`. It checks and coerces arguments and turns what its
 * `Connection` (connection.ts, the single owner of the connection's state)
 * reports into events.
 */
import { EventEmitter } from 'node:events';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD, OPCODE_PING, OPCODE_PONG, isValidCloseCode } from '../codec/protocol.js';
import { startClient, type ClientHandshake, type ClientOptions } from './client.js';
import { CLOSED, CLOSING, CONNECTING, Connection, OPEN, type ConnectionEvents } from './connection.js';
import type { SendCallback } from './frames.js';
import type { PublishOptions, PublishResult, TopicRegistry } from './topics.js';

export type { ConnectionOptions } from './connection.js';

const EMPTY = Buffer.alloc(0);

/** Data `send` accepts, as in ws. */
export type Data = string | Buffer | ArrayBuffer | ArrayBufferView;

/** The bytes of `data` (strings as UTF-8), without copying binary data. */
export function toBytes(data: Data): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('data must be a string, Buffer, ArrayBuffer or ArrayBufferView');
}

/** The server side of topics, as a connection sees it (the server that accepted it). */
interface TopicHost {
  readonly topics: TopicRegistry;
  publish(topic: string, data: Data, options: PublishOptions | undefined, except: WebSocket): PublishResult;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export class WebSocket extends EventEmitter implements ConnectionEvents {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  /** Messages are delivered as Buffers. */
  readonly binaryType = 'nodebuffer';
  /** @internal The connection's state: handshakes attach sockets to it, the server beats its heart. */
  readonly _connection: Connection = new Connection(this);
  /** @internal The server's topics, for a server-side connection (set when the server accepts it). */
  _topics: TopicHost | null = null;

  /**
   * A client connection to `address` (ws:// or wss://), opening at once; or,
   * with no address, a server-side connection (the server creates those).
   */
  constructor(address?: string | URL | null, protocols?: string | string[] | ClientOptions, options?: ClientOptions) {
    super();
    if (address === undefined || address === null) return;
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
    return this._connection.bufferedAmount;
  }

  /** The underlying socket while the connection is open (as ws's `_socket`). */
  get _socket(): Socket | null {
    return this._connection.socket;
  }

  /**
   * Sends a message; strings are text and everything else binary unless
   * `options.binary` says otherwise. `fin: false` sends a fragment (continue
   * the message with more `send` calls; the last has `fin: true`).
   */
  send(data: Data, options?: { binary?: boolean; fin?: boolean; mask?: boolean; compress?: boolean } | SendCallback, cb?: SendCallback): void {
    if (typeof options === 'function') {
      cb = options;
      options = undefined;
    }
    if (this.readyState !== OPEN) {
      this.notOpen(cb);
      return;
    }
    this._connection.sendData(toBytes(data), options?.binary ?? typeof data !== 'string', options?.fin ?? true, cb, options?.compress);
  }

  /** Sends a ping (at most 125 bytes of data). */
  ping(data?: Data, _mask?: boolean, cb?: SendCallback): void {
    this.control(OPCODE_PING, data, cb);
  }

  /** Sends an unsolicited pong (at most 125 bytes of data). */
  pong(data?: Data, _mask?: boolean, cb?: SendCallback): void {
    this.control(OPCODE_PONG, data, cb);
  }

  private control(opcode: typeof OPCODE_PING | typeof OPCODE_PONG, data: Data | undefined, cb?: SendCallback): void {
    const payload = data === undefined ? EMPTY : typeof data === 'number' ? Buffer.from(String(data)) : toBytes(data);
    if (payload.length > MAX_CONTROL_PAYLOAD) throw new RangeError('The data size must not be greater than 125 bytes');
    if (this.readyState !== OPEN) {
      this.notOpen(cb);
      return;
    }
    this._connection.sendControl(opcode, payload, cb);
  }

  private notOpen(cb?: SendCallback): void {
    if (this.readyState === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (cb) process.nextTick(cb, new Error(`WebSocket is not open: readyState ${this.readyState}`));
  }

  /**
   * Starts the closing handshake: sends a close frame and waits for the
   * peer's, then the TCP connection ends. `code` 1000 or 3000–4999 (or
   * another sendable code); the reason is at most 123 bytes of UTF-8.
   */
  close(code?: number, reason?: string | Buffer): void {
    if (this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) {
      this._connection.close(undefined, EMPTY); // aborts the handshake
      return;
    }
    if (code !== undefined && !isValidCloseCode(code)) throw new TypeError('First argument must be a valid error code number');
    const reasonBytes = reason === undefined ? EMPTY : Buffer.from(reason);
    if (reasonBytes.length > MAX_CLOSE_REASON) throw new RangeError('The message must not be greater than 123 bytes');
    this._connection.close(code, reasonBytes);
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
  publish(topic: string, data: Data, options?: PublishOptions): PublishResult {
    return this.host().publish(topic, data, options, this);
  }

  private host(): TopicHost {
    if (this._topics === null) throw new Error('Only server-side connections have topics');
    return this._topics;
  }

  /** Destroys the connection at once, without a closing handshake. */
  terminate(): void {
    this._connection.terminate();
  }

  /** Stops reading from the peer until `resume()`. */
  pause(): void {
    this._connection.pause();
  }

  resume(): void {
    this._connection.resume();
  }

  /** @internal */
  _onOpen(): void {
    this.emit('open');
  }

  /** @internal */
  _onMessage(data: Uint8Array, isBinary: boolean): void {
    this.emit('message', asBuffer(data), isBinary);
  }

  /** @internal */
  _onPing(data: Uint8Array): void {
    this.emit('ping', asBuffer(data));
  }

  /** @internal */
  _onPong(data: Uint8Array): void {
    this.emit('pong', asBuffer(data));
  }

  /** @internal Reports an error to 'error' listeners; with none, a peer's mistake must not crash the process. */
  _onError(error: Error): void {
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
