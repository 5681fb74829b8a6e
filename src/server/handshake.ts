/**
 * The server side of the opening handshake (RFC 6455 §4.2): checks an upgrade
 * request and builds the 101 response or the HTTP error that refuses it.
 * Pure functions over header maps, shared by `createServer` (which parses the
 * request itself) and `handleUpgrade` (which gets it from `node:http`).
 */
import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';

/** Default deadline for an opening handshake, either side, in ms. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

/** Default limit on the bytes of a request or response head (Node's own default). */
export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;

/** Default limit on the header lines of a request or response head. */
export const DEFAULT_MAX_HEADERS = 100;

/** The GUID of RFC 6455 §1.3, appended to the key before hashing. */
export const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A base64-encoded 16-byte value: 22 significant characters and `==`. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** The characters of an RFC 7230 token (`tchar`), for patterns built on it. */
export const TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";

/** An RFC 7230 token: methods, header names, subprotocol names. */
export const TOKEN = new RegExp(`^${TCHAR}+$`);

/** The request facts the handshake looks at; header names are lower case. */
export interface UpgradeRequest {
  method: string;
  httpVersion: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Why a handshake was refused: the HTTP status, a short message and extra response headers. */
export class HandshakeError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HandshakeError';
  }
}

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (§4.2.2 step 5.4). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** One header's value; a repeated header is joined as a list (RFC 7230 §3.2.2). */
export function header(headers: UpgradeRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Whether a comma-separated header value lists `token`, compared case-insensitively. */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const item of value.split(',')) {
    if (item.trim().toLowerCase() === token) return true;
  }
  return false;
}

/**
 * The subprotocols a `Sec-WebSocket-Protocol` value offers, in order.
 * @throws {HandshakeError} 400 on an empty, duplicate or malformed name
 */
export function parseProtocols(value: string | undefined): Set<string> {
  const protocols = new Set<string>();
  if (value === undefined) return protocols;
  for (const item of value.split(',')) {
    const name = item.trim();
    if (!TOKEN.test(name) || protocols.has(name)) {
      throw new HandshakeError(400, 'Invalid Sec-WebSocket-Protocol header');
    }
    protocols.add(name);
  }
  return protocols;
}

/** What a valid upgrade request asks for. */
export interface Upgrade {
  key: string;
  /** 13, or 8 (whose clients send `Sec-WebSocket-Origin` instead of `Origin`). */
  version: number;
  protocols: Set<string>;
}

/**
 * Checks a request against §4.2.1, in ws's order and with ws's messages (a
 * `wsClientError` listener sees them).
 * @throws {HandshakeError} 405 (not GET), 400 (anything malformed, or a version other than 13 or 8, as ws)
 */
export function checkUpgrade(req: UpgradeRequest): Upgrade {
  if (req.method !== 'GET') throw new HandshakeError(405, 'Invalid HTTP method', { Allow: 'GET' });
  const [major, minor] = req.httpVersion.split('.').map(Number);
  if (!(major > 1 || (major === 1 && minor >= 1))) throw new HandshakeError(400, 'Invalid HTTP version');
  if (!hasToken(header(req.headers, 'upgrade'), 'websocket')) throw new HandshakeError(400, 'Invalid Upgrade header');
  if (!hasToken(header(req.headers, 'connection'), 'upgrade')) throw new HandshakeError(400, 'Invalid Connection header');
  const key = header(req.headers, 'sec-websocket-key');
  if (key === undefined || !KEY.test(key)) throw new HandshakeError(400, 'Missing or invalid Sec-WebSocket-Key header');
  // 13 is RFC 6455; 8 is its last drafts (hybi-08 to -12), whose framing is the same, and which ws
  // accepts too (§4.4 lets a server speak several versions). For any other, §4.2.2 asks for "an
  // appropriate HTTP error code (such as 426)" and the versions we speak: ws answers 400, and so do we.
  const version = header(req.headers, 'sec-websocket-version');
  if (version !== '13' && version !== '8') {
    throw new HandshakeError(400, 'Missing or invalid Sec-WebSocket-Version header', { 'Sec-WebSocket-Version': '13, 8' });
  }
  return { key, version: Number(version), protocols: parseProtocols(header(req.headers, 'sec-websocket-protocol')) };
}

/**
 * The HTTP response that refuses a handshake; the connection closes after it.
 * The status line's reason and the default body come from `http.STATUS_CODES`.
 */
export function errorResponse(status: number, message?: string, headers: Record<string, string> = {}): string {
  const reason = STATUS_CODES[status] ?? 'Unknown';
  const body = message || reason;
  let head = `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
  return `${head}\r\n${body}`;
}

/**
 * The head lines of the 101 response that completes a handshake, without the
 * blank line: the server's `headers` event may change them before they are sent.
 */
export function acceptLines(key: string, protocol: string | undefined): string[] {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`];
  if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  return lines;
}
