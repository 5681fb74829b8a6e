/**
 * The client side of the opening handshake (RFC 6455 §4.1): sends the
 * upgrade request and checks the server's answer before the connection opens.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { HeadReader } from './head.js';
import {
  DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_HEADERS, HandshakeError, acceptKey, hasToken, header, parseProtocols,
} from './handshake.js';
import { readBuffer } from './memory.js';
import { checkDeflate, offerDeflate, resolveDeflateOptions, type DeflateExtension, type DeflateOptions } from './deflate.js';
import { readInto } from './reader.js';
import type { Connection, ConnectionOptions } from './connection.js';

export interface ClientOptions extends ConnectionOptions {
  /** Subprotocols to offer, in order of preference. */
  protocols?: string | string[];
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The Origin header to send. */
  origin?: string;
  /** Deadline for the server's answer, in ms. Default 10 s. */
  handshakeTimeout?: number;
  /** Most bytes in the response head. Default 16 KiB. */
  maxHeaderSize?: number;
  /** Options for `tls.connect` (wss:// only): `ca`, `rejectUnauthorized`, ... */
  tls?: tls.ConnectionOptions;
  /**
   * Offer permessage-deflate (RFC 7692): `true` for the defaults, or options as
   * the server's. Off by default (ws's client offers it by default; see docs/server.md).
   */
  perMessageDeflate?: boolean | DeflateOptions;
}

/**
 * Opens `connection` as a client of `address`: hands it the socket once the
 * server's answer checks out, or reports the failure to it. Returns the URL.
 */
export function startClient(connection: Connection, address: string | URL, options: ClientOptions): string {
  const url = new URL(address);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new SyntaxError(`The URL's protocol must be ws: or wss:, got ${url.protocol}`);
  if (url.hash !== '') throw new SyntaxError('The URL contains a fragment identifier');
  const offered = options.protocols === undefined ? [] : typeof options.protocols === 'string' ? [options.protocols] : options.protocols;
  parseProtocols(offered.length > 0 ? offered.join(',') : undefined);

  const secure = url.protocol === 'wss:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const key = randomBytes(16).toString('base64');
  let request = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
  if (offered.length > 0) request += `Sec-WebSocket-Protocol: ${offered.join(', ')}\r\n`;
  const deflate = resolveDeflateOptions(options.perMessageDeflate);
  if (deflate !== undefined) request += `Sec-WebSocket-Extensions: ${offerDeflate(deflate)}\r\n`;
  if (options.origin !== undefined) request += `Origin: ${options.origin}\r\n`;
  for (const name in options.headers) request += `${name}: ${options.headers[name]}\r\n`;
  request += '\r\n';

  const reader = new HeadReader({ maxHeaderSize: options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE, maxHeaders: DEFAULT_MAX_HEADERS });
  let done = false;
  const fail = (error: Error): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.destroy();
    connection.handshakeFailed(error);
  };
  const onBytes = (chunk: Uint8Array): void => {
    if (done) return;
    let parsed;
    try {
      parsed = reader.push(chunk);
    } catch (error) {
      fail(new Error(`Invalid handshake response: ${(error as HandshakeError).message}`));
      return;
    }
    if (parsed === undefined) return;
    const { headers, startLine } = parsed.head;
    const status = /^HTTP\/1\.1 (\d{3})(?: |$)/.exec(startLine);
    let problem: string | undefined;
    let protocol = '';
    let extension: DeflateExtension | undefined;
    if (status === null) problem = 'Invalid status line';
    else if (status[1] !== '101') problem = `Unexpected server response: ${status[1]}`;
    else if (!hasToken(header(headers, 'upgrade'), 'websocket')) problem = 'Invalid Upgrade header';
    else if (!hasToken(header(headers, 'connection'), 'upgrade')) problem = 'Invalid Connection header';
    else if (header(headers, 'sec-websocket-accept') !== acceptKey(key)) problem = 'Invalid Sec-WebSocket-Accept header';
    else if (deflate === undefined && header(headers, 'sec-websocket-extensions') !== undefined) problem = 'Server sent an extension that was not offered';
    else {
      if (deflate !== undefined) {
        try {
          extension = checkDeflate(header(headers, 'sec-websocket-extensions'), deflate);
        } catch (error) {
          problem = (error as Error).message;
        }
      }
      protocol = header(headers, 'sec-websocket-protocol') ?? '';
      if (protocol !== '' && !offered.includes(protocol)) problem = 'Server sent a subprotocol that was not offered';
    }
    if (problem !== undefined) {
      extension?.close();
      fail(new Error(problem));
      return;
    }
    done = true;
    clearTimeout(timer);
    socket.off('error', fail);
    socket.off('close', onClose);
    connection.attach(socket, { role: 'client', protocol, extension: extension ?? null, head: parsed.rest, options });
  };
  const onClose = (): void => fail(new Error('Socket closed before the handshake completed'));

  const socket: net.Socket = secure
    ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...options.tls })
    : net.connect({ host, port });
  if (secure || !readInto(socket, readBuffer, (length) => onBytes(readBuffer.subarray(0, length)))) {
    socket.on('data', onBytes);
  }
  socket.setNoDelay(true);
  socket.on('error', fail);
  socket.on('close', onClose);
  socket.write(request);
  const timer = setTimeout(() => fail(new Error('Opening handshake has timed out')), options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT);
  connection.connecting((message) => fail(new Error(message)));
  return url.href;
}
