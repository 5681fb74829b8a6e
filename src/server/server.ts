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
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HeadReader, parseRequestLine } from './head.js';
import {
  DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_HEADERS, HandshakeError, acceptResponse, checkUpgrade, errorResponse, header,
  type UpgradeRequest,
} from './handshake.js';
import { OPCODE_BINARY, OPCODE_TEXT } from '../codec/protocol.js';
import { encodeShared } from './frames.js';
import { readBuffer } from './memory.js';
import { readInto } from './reader.js';
import type { ConnectionEvents, ConnectionOptions } from './connection.js';
import { WebSocket, toBytes, type Data } from './websocket.js';
import { TopicRegistry, type PublishOptions, type PublishResult, type TopicOptions } from './topics.js';
import type { Adapter } from '../scale/adapter.js';

/** A request as `createServer` parses it: the parts of `http.IncomingMessage` handshake code uses. */
export interface Request extends UpgradeRequest {
  rawHeaders: string[];
  socket: Socket;
}

export interface VerifyInfo {
  origin: string | undefined;
  secure: boolean;
  req: Request | IncomingMessage;
}

export type VerifyCallback = (result: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;

export interface ServerOptions extends ConnectionOptions, TopicOptions {
  /** Carries `publish` to other server processes (workers, or machines through Redis); see docs/scaling.md. */
  adapter?: Adapter;
  /** Listen on this port (0 picks a free one). */
  port?: number;
  host?: string;
  backlog?: number;
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
  /** Accepts or refuses a handshake (by default with 403), synchronously or through `callback`. */
  verifyClient?: ((info: VerifyInfo) => boolean) | ((info: VerifyInfo, callback: VerifyCallback) => void);
  /** Picks a subprotocol from those offered, or `false` for none. Default: the first offered. */
  handleProtocols?: (protocols: Set<string>, req: Request | IncomingMessage) => string | false;
  /** Ping every client at this interval (ms) and terminate those that did not answer the last ping. */
  heartbeat?: number;
  /** Keep `server.clients`. Default true. */
  clientTracking?: boolean;
}

/** How long a refused client gets to read our error response before the socket is destroyed. */
const LINGER = 1_000;

/** A shared 'error' listener: errors on a socket in the handshake only end it. */
function destroy(this: Duplex): void {
  this.destroy();
}

/** Writes a refusal and closes: the client may read it, but cannot hold the socket open. */
function refuse(socket: Duplex, status: number, message: string, headers?: Record<string, string>): void {
  if (socket.writable) socket.end(errorResponse(status, message, headers));
  socket.resume(); // read (and discard) until the client's FIN, which closes the socket at once
  setTimeout(() => socket.destroy(), LINGER).unref();
}

export class WebSocketServer extends EventEmitter {
  /** The open connections (when `clientTracking` is on). */
  readonly clients = new Set<WebSocket>();
  private readonly options: ServerOptions;
  private listener: net.Server | null = null;
  private attached: HttpServer | null = null;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.handleUpgrade(req, socket, head, (ws) => this.emit('connection', ws, req));
  };
  private readonly handshaking = new Set<Socket>();
  private heartbeat: NodeJS.Timeout | null = null;
  private connections = 0;
  private closing = false;
  /** Topics of this server's connections (`ws.subscribe`, `publish`). */
  readonly topics: TopicRegistry;
  private readonly adapter: Adapter | null;

  constructor(options: ServerOptions, callback?: () => void) {
    super();
    this.options = options;
    this.topics = new TopicRegistry(options);
    this.adapter = options.adapter ?? null;
    if (this.adapter !== null) this.useAdapter(this.adapter);
    if (options.server !== undefined) {
      this.attached = options.server;
      options.server.on('upgrade', this.onUpgrade);
    } else if (!options.noServer) {
      if (options.port === undefined) throw new TypeError('One of port, server or noServer must be given');
      const listener = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => this.accept(socket));
      listener.on('error', (error) => this.emit('error', error));
      listener.on('listening', () => this.emit('listening'));
      listener.listen(options.port, options.host, options.backlog, callback);
      this.listener = listener;
    }
    if (options.heartbeat !== undefined && options.heartbeat > 0) {
      this.heartbeat = setInterval(() => this.beat(), options.heartbeat);
      this.heartbeat.unref();
    }
  }

  /** The listening address, as `net.Server#address()`. */
  address(): AddressInfo | string | null {
    if (this.attached !== null) return this.attached.address();
    if (this.listener === null) throw new Error('The server is operating in "noServer" mode');
    return this.listener.address();
  }

  /** An own-listener connection: read its request head into WASM memory, with limits and a deadline. */
  private accept(socket: Socket): void {
    socket.on('error', destroy);
    if (this.closing) {
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
      const req: Request = {
        ...line,
        headers: parsed.head.headers,
        rawHeaders: parsed.head.rawHeaders,
        socket,
      };
      // A plain HTTP request to a WebSocket endpoint: tell it to upgrade.
      if (header(req.headers, 'upgrade') === undefined) {
        refuse(socket, 426, 'Upgrade Required', { Upgrade: 'websocket' });
        return;
      }
      socket.pause(); // until verification is over
      this.upgrade(req, socket, parsed.rest, (ws) => this.emit('connection', ws, req));
    };
    socket.on('close', finish);
    if (!readInto(socket, readBuffer, (length) => onBytes(readBuffer.subarray(0, length)))) socket.on('data', onBytes);
    socket.resume();
  }

  /**
   * Completes a WebSocket handshake for a request an `http`/`https` server
   * emitted as 'upgrade', and calls `callback` with the open connection. A
   * refused request gets its HTTP error here and the socket is closed.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, callback: (ws: WebSocket, req: IncomingMessage) => void): void {
    socket.on('error', destroy);
    const maxHeaders = this.options.maxHeaders ?? DEFAULT_MAX_HEADERS;
    // http.Server drops headers past maxHeadersCount; count the raw list too.
    if (req.rawHeaders.length / 2 > maxHeaders) {
      refuse(socket, 431, 'Too many headers');
      return;
    }
    this.upgrade(req as unknown as Request, socket as Socket, head, callback as (ws: WebSocket, req: Request) => void);
  }

  private upgrade(req: Request, socket: Socket, head: Uint8Array, callback: (ws: WebSocket, req: Request) => void): void {
    let key: string;
    let protocols: Set<string>;
    try {
      if (this.options.path !== undefined && req.url.split('?')[0] !== this.options.path) {
        throw new HandshakeError(400, 'Invalid path');
      }
      ({ key, protocols } = checkUpgrade(req));
    } catch (error) {
      const e = error as HandshakeError;
      refuse(socket, e.status, e.message, e.headers);
      return;
    }
    const max = this.options.maxConnections;
    if (this.closing || (max !== undefined && this.connections >= max)) {
      refuse(socket, 503, 'Server unavailable');
      return;
    }
    const complete = (): void => {
      if (!socket.writable || socket.destroyed) {
        socket.destroy();
        return;
      }
      if (this.closing) {
        refuse(socket, 503, 'Server unavailable'); // closed while verifyClient was deciding
        return;
      }
      let protocol: string | undefined;
      if (protocols.size > 0) {
        const chosen = this.options.handleProtocols ? this.options.handleProtocols(protocols, req) : protocols.values().next().value;
        if (typeof chosen === 'string') protocol = chosen;
      }
      socket.write(acceptResponse(key, protocol));
      const ws = new WebSocket();
      this.track(ws);
      ws._connection.attach(socket, { role: 'server', protocol: protocol ?? '', extension: null, head, options: this.options, tracker: this });
      callback(ws, req);
    };
    const verify = this.options.verifyClient;
    if (verify === undefined) {
      complete();
      return;
    }
    const info: VerifyInfo = { origin: header(req.headers, 'origin'), secure: 'encrypted' in socket, req };
    const verdict: VerifyCallback = (result, code = 403, message = 'Forbidden', headers) => {
      if (result) complete();
      else refuse(socket, code, message, headers);
    };
    if (verify.length >= 2) (verify as (info: VerifyInfo, cb: VerifyCallback) => void)(info, verdict);
    else verdict((verify as (info: VerifyInfo) => boolean)(info));
  }

  private track(ws: WebSocket): void {
    this.connections++;
    ws._topics = this;
    if (this.options.clientTracking !== false) this.clients.add(ws);
  }

  /** @internal A connection of this server closed (it is told directly: no listener closure per connection). */
  untrack(ws: ConnectionEvents): void {
    this.topics.unsubscribeAll(ws as WebSocket);
    this.connections--;
    this.clients.delete(ws as WebSocket);
    if (this.closing && this.connections === 0) this.emitCloseWhenDone();
  }

  /** Sends one message to every open client; the frame is encoded once and shared (its chunks, if large). */
  broadcast(data: Data, options?: { binary?: boolean }): void {
    const binary = options?.binary ?? typeof data !== 'string';
    const payload = typeof data === 'string' ? Buffer.from(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array((data as ArrayBufferView).buffer, (data as ArrayBufferView).byteOffset, (data as ArrayBufferView).byteLength);
    const frame = encodeShared(binary ? OPCODE_BINARY : OPCODE_TEXT, payload);
    for (const ws of this.clients) ws._connection.sendEncoded(frame);
  }

  /**
   * Publishes a message to every subscriber of `topic`, as Bun's
   * `server.publish`: framed once for all of them, and carried to the other
   * server processes by the `adapter` if there is one. Returns how many local
   * subscribers got it and how many were skipped for backpressure
   * (`maxBackpressure`). `except` (used by `ws.publish`) is left out.
   */
  publish(topic: string, data: Data, options?: PublishOptions, except?: WebSocket): PublishResult {
    if (typeof topic !== 'string') throw new TypeError('topic must be a string');
    const payload = toBytes(data);
    const binary = options?.binary ?? typeof data !== 'string';
    const result = this.topics.publish(topic, payload, binary, except);
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
   * away); emits 'close' and calls `callback` once all of them are closed.
   */
  close(callback?: (error?: Error) => void): void {
    if (callback) this.once('close', callback);
    if (this.closing) return;
    this.closing = true;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    if (this.attached !== null) this.attached.off('upgrade', this.onUpgrade);
    for (const socket of this.handshaking) socket.destroy();
    this.handshaking.clear();
    for (const ws of this.clients) ws.close(1001, 'Server shutting down');
    if (this.connections === 0) this.emitCloseWhenDone();
  }

  private emitCloseWhenDone(): void {
    if (this.listener !== null) this.listener.close(() => this.emit('close'));
    else process.nextTick(() => this.emit('close'));
  }
}

/** Creates a `WebSocketServer`; `onListening` runs once it listens (own-listener mode). */
export function createServer(options: ServerOptions, onListening?: () => void): WebSocketServer {
  return new WebSocketServer(options, onListening);
}

type Listener = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Typed events: 'connection' (ws, req), 'listening', 'error', 'close'. */
export interface WebSocketServer {
  on(event: 'connection', listener: (ws: WebSocket, req: Request | IncomingMessage) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'listening' | 'close', listener: () => void): this;
  on(event: string | symbol, listener: Listener): this;
  once(event: 'connection', listener: (ws: WebSocket, req: Request | IncomingMessage) => void): this;
  once(event: string | symbol, listener: Listener): this;
}
