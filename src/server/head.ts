/**
 * A minimal HTTP/1.1 message-head reader, for the requests `createServer`
 * accepts and the responses `connect` receives (neither goes through
 * `node:http`). It takes only what a handshake needs and enforces the limits
 * that keep a hostile peer cheap: the head's size and the number of header
 * lines (the caller adds a deadline).
 */
import { HandshakeError, TOKEN } from './handshake.js';

const END = Buffer.from('\r\n\r\n');

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

/**
 * Collects a head from chunks. `push` returns it with the bytes that follow
 * once it is complete, or `undefined` while it needs more.
 * @throws {HandshakeError} 431 past a limit, 400 on a malformed header line
 */
export class HeadReader {
  private data: Buffer | null = null;

  constructor(private readonly limits: HeadLimits) {}

  push(chunk: Uint8Array): { head: Head; rest: Buffer } | undefined {
    // Copy: the chunk may be a view of the shared read buffer.
    const previous = this.data;
    const data = previous === null ? Buffer.from(chunk) : Buffer.concat([previous, chunk]);
    const end = data.indexOf(END, previous === null ? 0 : Math.max(0, previous.length - 3));
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
    const lines = text.split('\r\n');
    if (lines.length - 1 > this.limits.maxHeaders) throw new HandshakeError(431, 'Too many headers');
    const headers: Head['headers'] = Object.create(null);
    const rawHeaders: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      // No obsolete line folding, no space before the colon (RFC 7230 §3.2.4).
      if (colon <= 0 || !TOKEN.test(name)) throw new HandshakeError(400, 'Invalid header line');
      const value = line.slice(colon + 1).trim();
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
