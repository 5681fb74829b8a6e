/**
 * A minimal HTTP/1.1 message-head reader, for the requests `createServer`'s
 * own listener accepts (without `node:http`; the client reads responses with
 * `node:http`, as ws does). It takes only what a handshake needs and enforces the limits
 * that keep a hostile peer cheap: the head's size and the number of header
 * lines (the caller adds a deadline).
 *
 * It is as strict as Node's `http` parser (llhttp, which Node builds without
 * its lenient flags): every line ends with CRLF, and a control character other
 * than HTAB in a header value is refused. Bad bytes are refused as they arrive,
 * so a request with bare-LF line endings gets its 400 at once instead of
 * waiting for a CRLFCRLF that never comes.
 */
import { HandshakeError, TCHAR, TOKEN } from './handshake.js';

/** `method SP request-target SP HTTP/x.y`; the target is visible ASCII (llhttp refuses obs-text there). */
const REQUEST_LINE = new RegExp(`^(${TCHAR}+) ([\\x21-\\x7e]+) HTTP/(\\d\\.\\d)$`);
const END = Buffer.from('\r\n\r\n');
const CR = 0x0d;
const LF = 0x0a;
const HTAB = 0x09;
const DEL = 0x7f;

export interface HeadLimits {
  /** Most bytes in the start line and headers together. */
  maxHeaderSize: number;
  /** Most header lines. */
  maxHeaders: number;
}

/** A parsed head: the start line, headers keyed by lower-case name (repeats as arrays), raw pairs. */
export interface Head {
  startLine: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
}

/** A request line's parts. */
export interface RequestLine {
  method: string;
  url: string;
  httpVersion: string;
}

/**
 * Splits a request line (RFC 9112 §3).
 * @throws {HandshakeError} 400 when it is malformed
 */
export function parseRequestLine(line: string): RequestLine {
  const match = REQUEST_LINE.exec(line);
  if (match === null) throw new HandshakeError(400, 'Invalid request line');
  return { method: match[1], url: match[2], httpVersion: match[3] };
}

/**
 * Checks the bytes `data[from, to)` of a head: CR only before LF, LF only
 * after CR, no control character but HTAB (which the line parser allows only
 * inside header values). Looks one byte back, so a CRLF split across chunks is fine.
 * @throws {HandshakeError} 400
 */
function checkBytes(data: Buffer, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const c = data[i];
    const afterCR = i > 0 && data[i - 1] === CR;
    if (afterCR !== (c === LF)) throw new HandshakeError(400, afterCR ? 'CR without LF in head' : 'Bare LF in head');
    if ((c < 0x20 && c !== HTAB && c !== CR && c !== LF) || c === DEL) throw new HandshakeError(400, 'Control character in head');
  }
}

/**
 * Collects a head from chunks. `push` returns it with the bytes that follow
 * once it is complete, or `undefined` while it needs more.
 * @throws {HandshakeError} 431 past a limit, 400 on a malformed byte or header line
 */
export class HeadReader {
  private data: Buffer | null = null;

  constructor(private readonly limits: HeadLimits) {}

  push(chunk: Uint8Array): { head: Head; rest: Buffer } | undefined {
    // Copy: the chunk may be a view of the shared read buffer.
    const previous = this.data;
    const checked = previous === null ? 0 : previous.length;
    const data = previous === null ? Buffer.from(chunk) : Buffer.concat([previous, chunk]);
    const end = data.indexOf(END, Math.max(0, checked - 3));
    checkBytes(data, checked, end === -1 ? Math.min(data.length, this.limits.maxHeaderSize) : end + 4);
    if (end === -1 ? data.length > this.limits.maxHeaderSize : end + 4 > this.limits.maxHeaderSize) {
      throw new HandshakeError(431, 'Header too large');
    }
    if (end === -1) {
      this.data = data;
      return undefined;
    }
    this.data = null;
    return { head: this.parse(data.toString('latin1', 0, end)), rest: data.subarray(end + 4) };
  }

  private parse(text: string): Head {
    // A server SHOULD ignore empty lines before the request line (RFC 9112 §2.2), as Node does.
    const lines = text.replace(/^(?:\r\n)+/, '').split('\r\n');
    if (lines.length - 1 > this.limits.maxHeaders) throw new HandshakeError(431, 'Too many headers');
    const headers: Head['headers'] = Object.create(null);
    const rawHeaders: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      // No obsolete line folding, no space before the colon (RFC 9112 §5.1, §5.2).
      if (colon <= 0 || !TOKEN.test(name)) throw new HandshakeError(400, 'Invalid header line');
      const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
      const key = name.toLowerCase();
      const seen = headers[key];
      if (seen === undefined) headers[key] = value;
      else if (Array.isArray(seen)) seen.push(value);
      else headers[key] = [seen, value];
      rawHeaders.push(name, value);
    }
    return { startLine: lines[0], headers, rawHeaders };
  }
}
