/**
 * `WebSocketServer`: accepts WebSocket connections on its own TCP listener
 * (`port`), on an existing `http`/`https` server (`server`), or only through
 * `handleUpgrade` (`noServer`), with an API close to ws's.
 *
 * On its own listener it never builds `http.IncomingMessage`s: it reads the
 * request head itself, from the first byte into the shared read buffer in
 * WASM memory, so the connection's reads are zero-copy from the start.
 */
import { EventEmitter } from 'node:events';
import { IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HeadReader, parseRequestLine, type Head, type RequestLine } from './head.js';
import {
  DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_HEADERS, HandshakeError, acceptLines, checkUpgrade, errorResponse, header,
} from './handshake.js';
import { OPCODE_BINARY, OPCODE_TEXT } from '../codec/protocol.js';
import { encodeShared, type EncodedFrame } from './frames.js';
import { acceptDeflate, resolveDeflateOptions, sharedCompressed, type DeflateExtension, type DeflateOptions, type ResolvedDeflateOptions } from './deflate.js';
import { readBuffer } from './memory.js';
import { readInto } from './reader.js';
import type { ConnectionEvents, ConnectionOptions } from './connection.js';
import { WriteBudget } from './write-budget.js';
import { WebSocket, toBytes, type BytesData } from './websocket.js';
import { TopicRegistry, type PublishOptions, type PublishResult, type TopicOptions } from './topics.js';
import type { Adapter } from '../scale/adapter.js';

/**
 * The request of a handshake: the `http.IncomingMessage` from `node:http`
 * (`server`, `handleUpgrade`), or one `createServer`'s own listener builds from
 * the head it parsed itself (`method`, `url`, `httpVersion`, `headers`,
 * `rawHeaders`, `socket`; no body).
 */
export type Request = IncomingMessage;

export interface VerifyInfo {
  origin: string | undefined;
  secure: boolean;
  req: Request;
}

export type VerifyCallback = (result: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;

export interface ServerOptions extends ConnectionOptions, TopicOptions {
  /** Carries `publish` to other server processes (workers, or machines through Redis); see docs/scaling.md. */
  adapter?: Adapter;
  /** Listen on this port (0 picks a free one). */
  port?: number;
  host?: string;
  backlog?: number;
  /**
   * With `port`: listen with `SO_REUSEPORT` (Node >= 22.12 / 23.1, Linux and a few BSDs), as its own socket even in
   * a cluster worker, so several processes listen on the port and the kernel spreads connections among them
   * (`runWorkers` sets it where Node has it; see docs/scaling.md). Default false.
   */
  reusePort?: boolean;
  /** Accept upgrades of this existing `http`/`https` server instead. */
  server?: HttpServer;
  /** Listen nowhere: connections come only through `handleUpgrade`. */
  noServer?: boolean;
  /** Accept only this request path (the query string is ignored); others get 400. */
  path?: string;
  /** Deadline for a client to complete the opening handshake, in ms. Default 10 s. */
  handshakeTimeout?: number;
  /** Most open connections; further handshakes get 503. Default unlimited. */
  maxConnections?: number;
  /** Most bytes in a request head. Default 16 KiB. */
  maxHeaderSize?: number;
  /** Most request header lines. Default 100. */
  maxHeaders?: number;
  /** Accepts or refuses a handshake (by default with 401, as ws), synchronously or through `callback`. */
  verifyClient?: ((info: VerifyInfo) => boolean) | ((info: VerifyInfo, callback: VerifyCallback) => void);
  /** Picks one of the subprotocols offered, or `false` for none. Default: the first offered. */
  handleProtocols?: (protocols: Set<string>, req: Request) => string | false | null | undefined;
  /** Ping every client at this interval (ms) and terminate those that did not answer the last ping. Needs `clientTracking`. */
  heartbeat?: number;
  /**
   * Most bytes waiting to be written to all connections together. Past it, every connection with bytes
   * waiting stops reading until they are written, and its `sendTimeout` runs. Default: no limit.
   */
  maxBufferedBytes?: number;
  /** Keep `server.clients`. Default true. Without it, `clients` is undefined and `broadcast`/`heartbeat` are unavailable. */
  clientTracking?: boolean;
  /** The class of the server's connections: `WebSocket` or a subclass of it. */
  WebSocket?: typeof WebSocket;
  /**
   * permessage-deflate (RFC 7692): `true` for the defaults (dedicated mode,
   * as ws's), or options (mode 'shared' | 'dedicated', threshold, level,
   * memLevel, window bits, context takeover; see docs/server.md). Off by
   * default, as in ws.
   */
  perMessageDeflate?: boolean | DeflateOptions;
}

/**
 * Every option a server knows; others get a warning (a misspelt option must
 * not be ignored without a word). Features that add server options add them here.
 */
export const SERVER_OPTIONS = new Set([
  'port', 'host', 'backlog', 'server', 'noServer', 'path', 'handshakeTimeout', 'maxConnections', 'maxHeaderSize', 'maxHeaders',
  'verifyClient', 'handleProtocols', 'heartbeat', 'clientTracking', 'WebSocket', 'perMessageDeflate', 'maxPayload', 'closeTimeout',
  'highWaterMark', 'autoPong', 'allowSynchronousEvents', 'skipUTF8Validation', 'maxBufferedChunks', 'maxFragments',
  'sendTimeout', 'maxBufferedBytes',
  'maxBackpressure', 'closeOnBackpressureLimit', 'adapter', 'reusePort',
]);

/** Warns once per process about each option name no one knows. */
const warned = new Set<string>();
export function warnUnknownOptions(options: object, known: Set<string>, owner: string): void {
  for (const name of Object.keys(options)) {
    if (known.has(name) || warned.has(name)) continue;
    warned.add(name);
    process.emitWarning(`${owner}: unknown option "${name}" is ignored`, 'WsframeWarning');
  }
}

/** How long a refused client gets to read our error response before the socket is destroyed. */
const LINGER = 1_000;

/** The server's states, as ws's `_state`. */
const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;

/** Marks a socket that `handleUpgrade` completed, to catch a second upgrade of it. */
const kUpgraded = Symbol('wsframe.upgraded');

/** A shared 'error' listener: errors on a socket in the handshake only end it. */
function destroy(this: Duplex): void {
  this.destroy();
}

/** Writes a refusal and closes: the client may read it, but cannot hold the socket open. */
function refuse(socket: Duplex, status: number, message?: string, headers?: Record<string, string>): void {
  if (socket.writable) socket.end(errorResponse(status, message, headers));
  socket.resume(); // read (and discard) until the client's FIN, which closes the socket at once
  setTimeout(() => socket.destroy(), LINGER).unref();
}

/** The `IncomingMessage` for a head the own listener parsed (repeated headers joined as `node:http` does). */
function incomingMessage(socket: Socket, line: RequestLine, head: Head): Request {
  const req = new IncomingMessage(socket);
  req.method = line.method;
  req.url = line.url;
  req.httpVersion = line.httpVersion;
  req.httpVersionMajor = Number(line.httpVersion[0]);
  req.httpVersionMinor = Number(line.httpVersion[2]);
  const headers: Record<string, string | string[]> = {};
  for (const name in head.headers) {
    const value = head.headers[name]!;
    headers[name] = Array.isArray(value) && name !== 'set-cookie' ? value.join(', ') : value;
  }
  req.headers = headers;
  req.rawHeaders = head.rawHeaders;
  req.complete = true;
  return req;
}

export class WebSocketServer extends EventEmitter {
  /** The open connections; `undefined` when `clientTracking` is false (typed as ws's types do). */
  readonly clients!: Set<WebSocket>;
  /** The options, with ws's defaults filled in. */
  readonly options: ServerOptions & { WebSocket: typeof WebSocket; clientTracking: boolean };
  /** The listener: our own `net.Server` (`port`), the given `server`, or null (`noServer`, or closed). As ws's `_server`. */
  _server: NetServer | HttpServer | null = null;
  /** 0 running, 1 closing, 2 closed (as ws's `_state`). */
  _state = RUNNING;
  private removeListeners: (() => void) | null = null;
  private readonly handshaking = new Set<Socket>();
  private heartbeat: NodeJS.Timeout | null = null;
  private connections = 0;
  private warnedProtocols = false;
  private readonly deflate: ResolvedDeflateOptions | undefined;
  /** Bytes waiting to be written to all connections, when `maxBufferedBytes` limits them. */
  private readonly budget: WriteBudget | null;
  /** Topics of this server's connections (`ws.subscribe`, `publish`). */
  readonly topics: TopicRegistry;
  private readonly adapter: Adapter | null;

  /**
   * @param options one of `port`, `server` or `noServer`, and the rest (see `ServerOptions`)
   * @param callback runs once the own listener listens (`port` only)
   * @throws {TypeError} unless exactly one of `port`, `server` and `noServer` is given, or on `heartbeat` without `clientTracking`
   */
  constructor(options: ServerOptions, callback?: () => void) {
    super();
    const given = options ?? {};
    const hasPort = given.port != null;
    if (Number(hasPort) + Number(Boolean(given.server)) + Number(Boolean(given.noServer)) !== 1) {
      throw new TypeError('One and only one of the "port", "server", or "noServer" options must be specified');
    }
    warnUnknownOptions(given, SERVER_OPTIONS, 'WebSocketServer');
    this.options = { WebSocket, clientTracking: true, ...given };
    this.deflate = resolveDeflateOptions(given.perMessageDeflate);
    this.budget = given.maxBufferedBytes !== undefined ? new WriteBudget(given.maxBufferedBytes) : null;
    this.topics = new TopicRegistry(given);
    this.adapter = given.adapter ?? null;
    if (this.adapter !== null) this.useAdapter(this.adapter);
    const tracking = this.options.clientTracking;
    if (given.heartbeat !== undefined && given.heartbeat > 0 && !tracking) {
      throw new TypeError('The "heartbeat" option needs "clientTracking"');
    }
    if (tracking) (this as { clients: Set<WebSocket> }).clients = new Set();
    if (given.server) {
      this.listen(given.server, (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        this.handleUpgrade(req, socket, head, (ws) => this.emit('connection', ws, req));
      });
    } else if (hasPort) {
      const listener = createNetServer({ pauseOnConnect: true, noDelay: true }, (socket) => this.accept(socket));
      this.listen(listener, null);
      // `exclusive`: a cluster worker binds its own SO_REUSEPORT socket instead of sharing the primary's handle.
      const reuse = given.reusePort === true ? { reusePort: true, exclusive: true } : {};
      listener.listen({ port: given.port, host: given.host, backlog: given.backlog, ...reuse }, callback);
    }
    if (given.heartbeat !== undefined && given.heartbeat > 0) {
      this.heartbeat = setInterval(() => this.beat(), given.heartbeat);
      this.heartbeat.unref();
    }
  }

  /** Forwards the listener's 'listening' and 'error' (and takes its upgrades), until `close()`. */
  private listen(server: NetServer | HttpServer, onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null): void {
    this._server = server;
    const onListening = (): boolean => this.emit('listening');
    const onError = (error: Error): boolean => this.emit('error', error);
    server.on('listening', onListening);
    server.on('error', onError);
    if (onUpgrade !== null) server.on('upgrade', onUpgrade);
    this.removeListeners = () => {
      server.off('listening', onListening);
      server.off('error', onError);
      if (onUpgrade !== null) server.off('upgrade', onUpgrade);
    };
  }

  /**
   * The listening address, as `net.Server#address()`; null once closed.
   * @throws {Error} in `noServer` mode
   */
  address(): AddressInfo | string | null {
    if (this.options.noServer) throw new Error('The server is operating in "noServer" mode');
    return this._server === null ? null : this._server.address();
  }

  /** Whether this server takes `req`: its `path` option, if any, matches (the query string is ignored). */
  shouldHandle(req: IncomingMessage): boolean {
    if (this.options.path === undefined || this.options.path === null) return true;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    return (query === -1 ? url : url.slice(0, query)) === this.options.path;
  }

  /** An own-listener connection: read its request head into WASM memory, with limits and a deadline. */
  private accept(socket: Socket): void {
    socket.on('error', destroy);
    if (this._state !== RUNNING) {
      socket.destroy();
      return;
    }
    this.handshaking.add(socket);
    const reader = new HeadReader({
      maxHeaderSize: this.options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE,
      maxHeaders: this.options.maxHeaders ?? DEFAULT_MAX_HEADERS,
    });
    let done = false;
    // Everything below is dropped when the handshake ends, so an open connection keeps none of it.
    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      this.handshaking.delete(socket);
      socket.off('close', finish);
      socket.off('data', onBytes);
    };
    const timer = setTimeout(() => {
      finish();
      refuse(socket, 408, 'Handshake timeout');
    }, this.options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT);
    const onBytes = (chunk: Uint8Array): void => {
      if (done) return; // refused: drain and discard until the socket closes
      let parsed;
      let line;
      try {
        parsed = reader.push(chunk);
        if (parsed === undefined) return;
        line = parseRequestLine(parsed.head.startLine);
      } catch (error) {
        finish();
        const e = error as HandshakeError;
        refuse(socket, e.status, e.message, e.headers);
        return;
      }
      finish();
      // A plain HTTP request to a WebSocket endpoint: tell it to upgrade.
      if (header(parsed.head.headers, 'upgrade') === undefined) {
        refuse(socket, 426, undefined, { Upgrade: 'websocket' });
        return;
      }
      socket.pause(); // until verification is over
      const req = incomingMessage(socket, line, parsed.head);
      this.upgrade(req, socket, parsed.rest, (ws) => this.emit('connection', ws, req));
    };
    socket.on('close', finish);
    if (!readInto(socket, readBuffer, (length) => onBytes(readBuffer.subarray(0, length)))) socket.on('data', onBytes);
    socket.resume();
  }

  /**
   * Completes a WebSocket handshake for a request an `http`/`https` server
   * emitted as 'upgrade' (over its socket, or any Duplex), and calls
   * `callback` with the open connection. A refused request gets its HTTP
   * error here and the socket is closed.
   * @throws {Error} if called twice with the same socket
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, callback: (ws: WebSocket, req: IncomingMessage) => void): void {
    socket.on('error', destroy);
    const maxHeaders = this.options.maxHeaders ?? DEFAULT_MAX_HEADERS;
    // http.Server drops headers past maxHeadersCount; count the raw list too.
    if (req.rawHeaders.length / 2 > maxHeaders) {
      refuse(socket, 431, 'Too many headers');
      return;
    }
    this.upgrade(req, socket, head, callback);
  }

  private upgrade(req: Request, socket: Duplex, head: Uint8Array, callback: (ws: WebSocket, req: Request) => void): void {
    let key: string;
    let version: number;
    let protocols: Set<string>;
    try {
      ({ key, version, protocols } = checkUpgrade(req as Parameters<typeof checkUpgrade>[0]));
    } catch (error) {
      const e = error as HandshakeError;
      // As ws: a 'wsClientError' listener answers (or not) a malformed request itself.
      if (this.listenerCount('wsClientError') > 0) {
        socket.resume(); // what the client sends next is discarded, and its FIN ends the socket
        this.emit('wsClientError', new Error(e.message), socket, req);
      } else refuse(socket, e.status, e.message, e.headers);
      return;
    }
    if (!this.shouldHandle(req)) {
      refuse(socket, 400);
      return;
    }
    const max = this.options.maxConnections;
    if (max !== undefined && this.connections >= max) {
      refuse(socket, 503, 'Server unavailable');
      return;
    }
    const complete = (): void => this.complete(key, protocols, req, socket, head, callback);
    const verify = this.options.verifyClient;
    if (verify === undefined || verify === null) {
      complete();
      return;
    }
    const origin = header(req.headers, version === 8 ? 'sec-websocket-origin' : 'origin');
    const secure = Boolean((req.socket as { authorized?: boolean; encrypted?: boolean } | null)?.authorized || (req.socket as { encrypted?: boolean } | null)?.encrypted);
    const info: VerifyInfo = { origin, secure, req };
    if (verify.length >= 2) {
      (verify as (info: VerifyInfo, cb: VerifyCallback) => void)(info, (result, code, message, headers) => {
        if (result) complete();
        else refuse(socket, code || 401, message, headers);
      });
    } else if ((verify as (info: VerifyInfo) => boolean)(info)) complete();
    else refuse(socket, 401);
  }

  /** Writes the 101 and hands the socket to a new connection. */
  private complete(key: string, protocols: Set<string>, req: Request, socket: Duplex, head: Uint8Array, callback: (ws: WebSocket, req: Request) => void): void {
    // The client went away (or half-closed) during verification.
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    const owned = socket as Duplex & { [kUpgraded]?: boolean };
    if (owned[kUpgraded]) {
      throw new Error('server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration');
    }
    if (this._state !== RUNNING) {
      refuse(socket, 503); // closed while verifyClient was deciding
      return;
    }
    let protocol: string | undefined;
    if (protocols.size > 0) {
      const chosen = this.options.handleProtocols ? this.options.handleProtocols(protocols, req) : protocols.values().next().value;
      if (typeof chosen === 'string' && protocols.has(chosen)) protocol = chosen;
      else if (chosen) {
        // A server bug, not the client's: answering with a subprotocol it did not offer breaks §4.2.2.
        this.warnProtocols(chosen);
        refuse(socket, 500);
        return;
      }
    }
    let extension: DeflateExtension | undefined;
    if (this.deflate !== undefined) {
      try {
        extension = acceptDeflate(header(req.headers, 'sec-websocket-extensions'), this.deflate);
      } catch {
        refuse(socket, 400, 'Invalid Sec-WebSocket-Extensions header');
        return;
      }
    }
    owned[kUpgraded] = true;
    const lines = acceptLines(key, protocol);
    if (extension !== undefined) lines.push(`Sec-WebSocket-Extensions: ${extension.header}`);
    this.emit('headers', lines, req);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    socket.off('error', destroy);
    const ws = new this.options.WebSocket();
    this.track(ws);
    ws._connection.attach(socket as Socket, { role: 'server', protocol: protocol ?? '', extension: extension ?? null, head, options: this.options, tracker: this, budget: this.budget });
    callback(ws, req);
  }

  private warnProtocols(chosen: unknown): void {
    if (this.warnedProtocols) return;
    this.warnedProtocols = true;
    process.emitWarning(`handleProtocols returned ${JSON.stringify(chosen)}, which the client did not offer: the handshake is refused with 500`, 'WsframeWarning');
  }

  private track(ws: WebSocket): void {
    this.connections++;
    ws._topics = this;
    this.clients?.add(ws);
  }

  /** @internal A connection of this server closed (it is told directly: no listener closure per connection). */
  untrack(ws: ConnectionEvents): void {
    this.topics.unsubscribeAll(ws as WebSocket);
    this.connections--;
    this.clients?.delete(ws as WebSocket);
    if (this._state === CLOSING && this.connections === 0 && this.clients !== undefined) this.closeListener();
  }

  /**
   * Sends one message to every open client; the frame is encoded once and shared (its chunks, if large).
   * @throws {Error} without `clientTracking` (there is no one to send to)
   */
  broadcast(data: BytesData, options?: { binary?: boolean }): void {
    if (this.clients === undefined) throw new Error('broadcast() needs clientTracking: this server keeps no clients');
    const binary = options?.binary ?? typeof data !== 'string';
    const payload = typeof data === 'string' ? Buffer.from(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array((data as ArrayBufferView).buffer, (data as ArrayBufferView).byteOffset, (data as ArrayBufferView).byteLength);
    const opcode = binary ? OPCODE_BINARY : OPCODE_TEXT;
    let plain: EncodedFrame | undefined;
    // Compressed once per shared compressor configuration (usually one for all): connections without
    // context takeover all get the same bytes. Connections that keep context compress for themselves.
    const compressed = new Map<string, EncodedFrame>();
    for (const ws of this.clients) {
      const connection = ws._connection;
      const extension = connection.extension as DeflateExtension | null;
      if (extension === null || payload.length < extension.deflate.threshold) {
        connection.sendEncoded((plain ??= encodeShared(opcode, payload)));
      } else if (extension.sharedKey !== undefined) {
        connection.sendEncoded(sharedCompressed(extension.sharedKey, extension.deflate, opcode, payload, compressed));
      } else if (connection.readyState === WebSocket.OPEN) {
        connection.sendData(payload, binary, true, undefined);
      }
    }
  }

  /**
   * Publishes a message to every subscriber of `topic`, as Bun's
   * `server.publish`: framed once for all of them, and carried to the other
   * server processes by the `adapter` if there is one. Returns how many local
   * subscribers got it and how many were skipped for backpressure
   * (`maxBackpressure`). `except` (used by `ws.publish`) is left out.
   * @throws {TypeError} if `topic` is not a string or `data` not a string, Buffer, ArrayBuffer or view
   */
  publish(topic: string, data: BytesData, options?: PublishOptions, except?: WebSocket): PublishResult {
    if (typeof topic !== 'string') throw new TypeError('topic must be a string');
    const payload = toBytes(data);
    const binary = options?.binary ?? typeof data !== 'string';
    const result = this.topics.publish(topic, payload, binary, except, options?.compress !== false);
    this.adapter?.publish(topic, payload, binary);
    return result;
  }

  private useAdapter(adapter: Adapter): void {
    this.topics.onTopicOpened = (topic) => adapter.subscribe(topic);
    this.topics.onTopicClosed = (topic) => adapter.unsubscribe(topic);
    adapter.attach({
      deliver: (topic, payload, binary) => this.topics.publish(topic, payload, binary),
      topics: () => this.topics.topicNames(),
    });
  }

  private beat(): void {
    for (const ws of this.clients) ws._connection.beat();
  }

  /**
   * Stops accepting connections and closes every open one with 1001 (going
   * away); emits 'close' and calls `callback` once all of them are closed and
   * the own listener, if any, is closed. Without `clientTracking` the open
   * connections are left alone (the server does not know them), as in ws.
   * On a closed server, `callback` gets ws's "The server is not running" error.
   */
  close(callback?: (error?: Error) => void): void {
    if (this._state === CLOSED) {
      if (callback) this.once('close', () => callback(new Error('The server is not running')));
      process.nextTick(() => this.emitClose());
      return;
    }
    if (callback) this.once('close', callback);
    if (this._state === CLOSING) return;
    this._state = CLOSING;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    for (const socket of this.handshaking) socket.destroy();
    this.handshaking.clear();
    if (this.clients !== undefined) for (const ws of this.clients) ws.close(1001, 'Server shutting down');
    if (this.connections === 0 || this.clients === undefined) this.closeListener();
  }

  /** Lets go of the listener (closing it if it is our own), then emits 'close'. */
  private closeListener(): void {
    const server = this._server;
    this.removeListeners?.();
    this.removeListeners = null;
    this._server = null;
    if (server !== null && this.options.port != null) server.close(() => this.emitClose());
    else process.nextTick(() => this.emitClose());
  }

  private emitClose(): void {
    this._state = CLOSED;
    this.emit('close');
  }
}

/** Creates a `WebSocketServer`; `onListening` runs once it listens (own-listener mode). */
export function createServer(options: ServerOptions, onListening?: () => void): WebSocketServer {
  return new WebSocketServer(options, onListening);
}

type Listener = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Typed events: 'connection' (ws, req), 'headers' (lines, req), 'wsClientError' (error, socket, req), 'listening', 'error', 'close'. */
export interface WebSocketServer {
  on(event: 'connection', listener: (ws: WebSocket, req: Request) => void): this;
  on(event: 'headers', listener: (headers: string[], req: Request) => void): this;
  on(event: 'wsClientError', listener: (error: Error, socket: Duplex, req: Request) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'listening' | 'close', listener: () => void): this;
  on(event: string | symbol, listener: Listener): this;
  once(event: 'connection', listener: (ws: WebSocket, req: Request) => void): this;
  once(event: 'headers', listener: (headers: string[], req: Request) => void): this;
  once(event: 'wsClientError', listener: (error: Error, socket: Duplex, req: Request) => void): this;
  once(event: string | symbol, listener: Listener): this;
}
