/**
 * The client side of the opening handshake (RFC 6455 §4.1), with ws's
 * options and behaviour: the upgrade request goes through `node:http`/`https`
 * (`agent`, `auth`, `createConnection`, `finishRequest`, TLS options at the
 * top level, `ws+unix:` URLs all work as there), redirects are followed on
 * request, and the server's answer is checked before the socket is handed to
 * the connection with what was agreed. The handshake never touches the
 * connection's state: it reports to it (`connecting`, `attach`,
 * `handshakeFailed`) and emits only the handshake's own events (`upgrade`,
 * `unexpected-response`, `redirect`) on the face.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type Agent, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, isIP, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import { DEFAULT_HANDSHAKE_TIMEOUT, TOKEN, acceptKey } from './handshake.js';
import type { Agreement, ConnectionOptions } from './connection.js';
import { ExtensionHeaderError } from '../codec/deflate/extension-header.js';
import {
  UnrequestedExtensionError, checkDeflate, offerDeflate, resolveDeflateOptions, type DeflateExtension, type DeflateOptions, type ResolvedDeflateOptions,
} from './deflate.js';

/** Client options: ws's, plus any option of `http.request`/`https.request` and `tls.connect` (`ca`, `cert`, `key`, `rejectUnauthorized`, `servername`, …). */
export interface ClientOptions extends ConnectionOptions, Omit<RequestOptions, 'host' | 'hostname' | 'port' | 'path' | 'method' | 'protocol' | 'socketPath' | 'timeout' | 'headers' | 'createConnection' | 'agent'>, Omit<TlsOptions, 'host' | 'port' | 'path' | 'socket' | 'timeout' | 'lookup'> {
  /** Subprotocols to offer, in order of preference. */
  protocols?: string | string[];
  /** Extra request headers. */
  headers?: Record<string, string | number | string[]>;
  /** The Origin header to send (`Sec-WebSocket-Origin` with `protocolVersion` 8). */
  origin?: string;
  /** Deadline for the server's answer (each redirect starts a new one), in ms. Default 10 s. */
  handshakeTimeout?: number;
  /** `Sec-WebSocket-Version`: 13 (default) or 8. */
  protocolVersion?: number;
  /** Follow 3xx redirects. Default false. */
  followRedirects?: boolean;
  /** Most redirects followed. Default 10. */
  maxRedirects?: number;
  /** The `http.Agent` for the request. */
  agent?: Agent;
  /** Makes the socket instead of `net.connect`/`tls.connect` (as `http.request`'s option). */
  createConnection?: RequestOptions['createConnection'];
  /** Finishes the request instead of `req.end()` (to write a body, for example). */
  finishRequest?: (req: ClientRequest, ws: ClientFace) => void;
  /**
   * Offer permessage-deflate (RFC 7692): `true` for the defaults, options as
   * the server's, or `false` for none. By default the client makes ws's offer,
   * `permessage-deflate; client_max_window_bits` (context takeover both ways:
   * see docs/server.md).
   */
  perMessageDeflate?: boolean | DeflateOptions;
  /** Options for `tls.connect`, merged under the top-level ones (wsframe's older spelling). */
  tls?: TlsOptions;
}

/** The options of one upgrade request: ours, `http.request`'s and `tls.connect`'s. */
type Request = RequestOptions & TlsOptions & { headers: Record<string, string | number | string[]> };

/** What the handshake needs of the `WebSocket` it opens. */
export interface ClientFace {
  readonly readyState: number;
  /** Where the face finds its handshake (for `url`, `_req`, `_redirects`), set before the first request is made. */
  _handshake: ClientHandshake | null;
  emit(event: string | symbol, ...args: unknown[]): boolean;
  listenerCount(event: string | symbol): number;
  readonly _connection: {
    connecting(abort: (message: string) => void): void;
    handshakeFailed(error: Error): void;
    attach(socket: Socket, agreement: Agreement): void;
  };
}

const VERSIONS = [8, 13];
/** The offer made when `perMessageDeflate` is not given: ws's client default (context takeover both ways). */
const DEFAULT_OFFER: DeflateOptions = { mode: 'dedicated' };
const CONNECTING = 0;

/**
 * One client handshake, across redirects: the URL reached, the request in
 * flight and the redirects followed (ws shows them as `url`, `_req`, `_redirects`).
 */
export class ClientHandshake {
  url = '';
  req: ClientRequest | null = null;
  redirects = 0;
  private done = false;
  /** The first request was made: from now on errors are reported, not thrown. */
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  // The first request's facts, to decide what a redirect may carry along.
  private originalIpc = false;
  private originalSecure = false;
  private originalHost = '';
  /** The permessage-deflate offer's settings; undefined when none is offered. */
  private readonly deflate: ResolvedDeflateOptions | undefined;

  /**
   * Starts the handshake of `face` to `address`.
   * @throws {SyntaxError} on an invalid URL or subprotocol (ws's messages)
   * @throws {RangeError} on an unsupported `protocolVersion`
   */
  constructor(
    private readonly face: ClientFace,
    address: string | URL,
    private readonly protocols: string[],
    private options: ClientOptions,
  ) {
    const version = options.protocolVersion ?? 13;
    if (!VERSIONS.includes(version)) {
      throw new RangeError(`Unsupported protocol version: ${version} (supported versions: ${VERSIONS.join(', ')})`);
    }
    const seen = new Set<string>();
    for (const protocol of protocols) {
      if (typeof protocol !== 'string' || !TOKEN.test(protocol) || seen.has(protocol)) {
        throw new SyntaxError('An invalid or duplicated subprotocol was specified');
      }
      seen.add(protocol);
    }
    this.deflate = resolveDeflateOptions(options.perMessageDeflate ?? DEFAULT_OFFER);
    face._handshake = this;
    this.open(address);
  }

  /**
   * One request: the first (whose URL errors are thrown, as ws), or one after
   * a redirect (whose URL errors are emitted).
   */
  private open(address: string | URL): void {
    let url: URL;
    try {
      url = address instanceof URL ? address : new URL(address);
    } catch {
      this.reject(new SyntaxError(`Invalid URL: ${address}`));
      return;
    }
    if (url.protocol === 'http:') url.protocol = 'ws:';
    else if (url.protocol === 'https:') url.protocol = 'wss:';
    this.url = url.href;
    const secure = url.protocol === 'wss:';
    const ipc = url.protocol === 'ws+unix:';
    let invalid: string | undefined;
    if (url.protocol !== 'ws:' && !secure && !ipc) invalid = 'The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"';
    else if (ipc && !url.pathname) invalid = "The URL's pathname is empty";
    else if (url.hash) invalid = 'The URL contains a fragment identifier';
    if (invalid !== undefined) {
      this.reject(new SyntaxError(invalid));
      return;
    }
    if (this.redirects === 0) this.face._connection.connecting((message) => this.abort(message));

    const options = this.options;
    const key = randomBytes(16).toString('base64');
    const version = options.protocolVersion ?? 13;
    const headers: Record<string, string | number | string[]> = {
      ...options.headers,
      'Sec-WebSocket-Version': version,
      'Sec-WebSocket-Key': key,
      Connection: 'Upgrade',
      Upgrade: 'websocket',
    };
    if (this.protocols.length > 0) headers['Sec-WebSocket-Protocol'] = this.protocols.join(',');
    if (this.deflate !== undefined) headers['Sec-WebSocket-Extensions'] = offerDeflate(this.deflate);
    if (options.origin) headers[version < 13 ? 'Sec-WebSocket-Origin' : 'Origin'] = options.origin;
    let path = url.pathname + url.search;
    let socketPath: string | undefined;
    if (ipc) [socketPath, path] = path.split(':');
    const request: Request = {
      ...options.tls,
      ...options,
      createConnection: options.createConnection ?? (secure ? connectTls : connectNet),
      defaultPort: options.defaultPort ?? (secure ? 443 : 80),
      host: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || (secure ? 443 : 80),
      path,
      socketPath,
      headers,
      method: 'GET',
      protocol: undefined,
      hostname: undefined,
      timeout: undefined,
    } as Request;
    if (url.username || url.password) request.auth = `${url.username}:${url.password}`;
    if (options.followRedirects) this.prepareRedirect(request, url, ipc, secure);

    const req = (secure ? httpsRequest : httpRequest)(request);
    this.started = true;
    this.req = req;
    if (this.redirects > 0) this.face.emit('redirect', this.url, req);
    this.timer = setTimeout(() => this.abort('Opening handshake has timed out'), options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT);
    req.on('error', (error) => {
      if (this.req === req) this.fail(error);
    });
    req.on('response', (res) => this.onResponse(req, res, url));
    req.on('upgrade', (res, socket: Socket, head: Buffer) => this.onUpgrade(res, socket, head, key));
    if (options.finishRequest) options.finishRequest(req, this.face);
    else req.end();
  }

  /**
   * ws's (and curl's) redirect rules: the first request's headers are kept,
   * lower-cased; across hosts, or from wss: to ws:, credentials and cookies
   * are dropped unless a 'redirect' listener takes charge of the headers.
   */
  private prepareRedirect(request: Request, url: URL, ipc: boolean, secure: boolean): void {
    if (this.redirects === 0) {
      this.originalIpc = ipc;
      this.originalSecure = secure;
      this.originalHost = ipc ? request.socketPath! : url.host;
      // Later requests are built from this copy: the caller's object is never changed.
      const lowered: Record<string, string | number | string[]> = {};
      for (const [name, value] of Object.entries(this.options.headers ?? {})) lowered[name.toLowerCase()] = value;
      this.options = { ...this.options, headers: lowered };
    } else if (this.face.listenerCount('redirect') === 0) {
      const sameHost = ipc ? this.originalIpc && request.socketPath === this.originalHost : !this.originalIpc && url.host === this.originalHost;
      if (!sameHost || (this.originalSecure && !secure)) {
        const headers = request.headers as Record<string, unknown>;
        delete headers.authorization;
        delete headers.cookie;
        if (!sameHost) delete headers.host;
        request.auth = undefined;
      }
    }
    // The first Authorization wins (as curl): it is kept for the requests that follow.
    const kept = this.options.headers as Record<string, unknown>;
    if (request.auth && !kept.authorization) kept.authorization = `Basic ${Buffer.from(request.auth).toString('base64')}`;
  }

  private onResponse(req: ClientRequest, res: IncomingMessage, base: URL): void {
    // An answer came: the deadline is met (the request is the user's if they take 'unexpected-response').
    this.clearTimer();
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (location && this.options.followRedirects && status >= 300 && status < 400) {
      if (++this.redirects > (this.options.maxRedirects ?? 10)) {
        this.abort('Maximum redirects exceeded');
        return;
      }
      this.req = null;
      req.destroy();
      let next: URL;
      try {
        next = new URL(location, base);
      } catch {
        this.reject(new SyntaxError(`Invalid URL: ${location}`));
        return;
      }
      this.open(next);
    } else if (!this.face.emit('unexpected-response', req, res)) {
      this.abort(`Unexpected server response: ${status}`);
    }
  }

  private onUpgrade(res: IncomingMessage, socket: Socket, head: Buffer, key: string): void {
    this.face.emit('upgrade', res);
    // A listener of 'upgrade' may have closed or terminated the connection.
    if (this.face.readyState !== CONNECTING || this.done) return;
    this.req = null;
    const upgrade = res.headers.upgrade;
    let problem: string | undefined;
    let cause: unknown;
    const protocol = res.headers['sec-websocket-protocol'];
    if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') problem = 'Invalid Upgrade header';
    else if (res.headers['sec-websocket-accept'] !== acceptKey(key)) problem = 'Invalid Sec-WebSocket-Accept header';
    else if (protocol !== undefined && this.protocols.length === 0) problem = 'Server sent a subprotocol but none was requested';
    else if (protocol !== undefined && !this.protocols.includes(protocol)) problem = 'Server sent an invalid subprotocol';
    else if (protocol === undefined && this.protocols.length > 0) problem = 'Server sent no subprotocol';
    let extension: DeflateExtension | undefined;
    if (problem === undefined) {
      const answer = res.headers['sec-websocket-extensions'];
      if (this.deflate === undefined) {
        if (answer !== undefined) problem = 'Server sent a Sec-WebSocket-Extensions header but no extension was requested';
      } else {
        try {
          extension = checkDeflate(answer, this.deflate);
        } catch (error) {
          if (!(error instanceof ExtensionHeaderError)) throw error;
          // ws's messages; what exactly was wrong stays in `cause`.
          problem = error instanceof UnrequestedExtensionError ? 'Server indicated an extension that was not requested' : 'Invalid Sec-WebSocket-Extensions header';
          cause = error;
        }
      }
    }
    if (problem !== undefined) {
      socket.destroy();
      this.reject(cause === undefined ? new Error(problem) : new Error(problem, { cause }));
      return;
    }
    this.done = true;
    this.clearTimer();
    this.face._connection.attach(socket, { role: 'client', protocol: protocol ?? '', extension: extension ?? null, head, options: this.options });
  }

  /** Ends the handshake from our side (close/terminate while connecting, a timeout, a refused answer). */
  private abort(message: string): void {
    if (this.done) return;
    const req = this.req;
    this.req = null;
    if (req !== null) {
      req.destroy();
      req.socket?.destroy();
    }
    this.reject(new Error(message));
  }

  /** The request failed (a socket or TLS error, a refused connection…): report it as it is. */
  private fail(error: Error): void {
    this.req = null;
    this.reject(error);
  }

  /** CLOSING now, 'error' then 'close' (1006) on the next tick as ws does, once; thrown at the first request's start. */
  private reject(error: Error): void {
    if (this.redirects === 0 && this.req === null && !this.started) throw error;
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    this.face._connection.handshakeFailed(error);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** `net.connect` for a request (a unix socket for ws+unix: URLs). */
function connectNet(options: RequestOptions): Socket {
  return netConnect({ ...options, path: options.socketPath } as unknown as NetConnectOpts);
}

/** `tls.connect` for a request: SNI is the host name, none for an IP address (as ws). */
function connectTls(options: RequestOptions & TlsOptions): Socket {
  const servername = options.servername ?? (isIP(options.host ?? '') ? '' : options.host ?? undefined);
  return tlsConnect({ ...options, path: undefined, servername } as unknown as TlsOptions);
}

/**
 * Starts the opening handshake of `face`, taking ws's argument forms:
 * `(address)`, `(address, protocols)`, `(address, options)` and
 * `(address, protocols, options)`, `protocols` a string or an array (or, as
 * wsframe also takes it, `options.protocols`).
 * @throws {SyntaxError} on an invalid URL or subprotocol; {RangeError} on an unsupported `protocolVersion`
 */
export function startClient(face: ClientFace, address: string | URL, protocols?: string | string[] | ClientOptions | null, options?: ClientOptions): void {
  if (protocols !== undefined && protocols !== null && typeof protocols === 'object' && !Array.isArray(protocols)) {
    options = protocols;
    protocols = undefined;
  }
  const offered = protocols === undefined ? options?.protocols ?? [] : protocols;
  new ClientHandshake(face, address, (Array.isArray(offered) ? offered : [offered]) as string[], options ?? {});
}
