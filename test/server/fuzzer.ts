/**
 * An Autobahn|Testsuite-style fuzzing client: a raw TCP socket that opens a
 * WebSocket, sends hand-built (possibly invalid) frames, possibly chopped into
 * pieces with pauses, and records every frame the server sends back and when
 * the server closed the TCP connection.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
}

export interface FrameSpec {
  fin?: boolean;
  /** RSV bits as a 3-bit number (RSV1 = 4, RSV2 = 2, RSV3 = 1). */
  rsv?: number;
  mask?: boolean;
}

/** Builds one client frame (masked with a random key unless `mask: false`). */
export function frame(opcode: number, payload: Uint8Array | string = '', spec: FrameSpec = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const { fin = true, rsv = 0, mask = true } = spec;
  const length = data.length;
  const header = Buffer.alloc(length < 126 ? 2 : length < 65536 ? 4 : 10);
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  if (length < 126) header[1] = length;
  else if (length < 65536) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!mask) return Buffer.concat([header, data]);
  header[1] |= 0x80;
  const key = randomBytes(4);
  for (let i = 0; i < length; i++) data[i] ^= key[i & 3];
  return Buffer.concat([header, key, data]);
}

export function closePayload(code: number, reason: string | Buffer = ''): Buffer {
  const body = Buffer.alloc(2);
  body.writeUInt16BE(code);
  return Buffer.concat([body, Buffer.from(reason)]);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Fuzzer {
  readonly frames: ServerFrame[] = [];
  /** The server's handshake response head (status line and headers). */
  response = '';
  /** Set once the server closed the TCP connection. */
  closed = false;
  private buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private need = 2;
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: net.Socket) {}

  /** Connects and completes the opening handshake; `headers` are extra request lines (each ending in CRLF). */
  static open(port: number, headers = ''): Promise<Fuzzer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      const key = randomBytes(16).toString('base64');
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${headers}\r\n`);
      let head = Buffer.alloc(0);
      const onHead = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onHead);
        if (!head.subarray(0, end).toString().startsWith('HTTP/1.1 101')) {
          reject(new Error(`handshake failed: ${head.toString()}`));
          return;
        }
        const fuzzer = new Fuzzer(socket);
        fuzzer.response = head.subarray(0, end).toString('latin1');
        socket.on('data', (data: Buffer) => fuzzer.receive(data));
        socket.on('close', () => {
          fuzzer.closed = true;
          fuzzer.wake();
        });
        fuzzer.receive(head.subarray(end + 4));
        resolve(fuzzer);
      };
      socket.on('data', onHead);
      socket.on('error', () => {}); // resets after a failed connection are expected
    });
  }

  private receive(data: Buffer): void {
    // Concatenate only once a whole frame is there: a 16 MiB frame arrives in hundreds of reads.
    this.pending.push(data);
    this.pendingLength += data.length;
    if (this.buffer.length + this.pendingLength < this.need) return;
    this.buffer = Buffer.concat([this.buffer, ...this.pending]);
    this.pending = [];
    this.pendingLength = 0;
    this.need = 2;
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      let length = b[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) break;
        length = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b[1] & 0x80) throw new Error('the server sent a masked frame');
      if (b.length < at + length) {
        this.need = at + length;
        break;
      }
      this.frames.push({ fin: (b[0] & 0x80) !== 0, rsv: (b[0] >> 4) & 7, opcode: b[0] & 0x0f, payload: b.subarray(at, at + length) });
      this.buffer = b.subarray(at + length);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Waits until `condition()` holds or `timeout` ms pass; returns whether it holds. */
  async until(condition: () => boolean, timeout = 5000): Promise<boolean> {
    const deadline = Date.now() + timeout;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  send(data: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Sends `data` in pieces of `size` bytes, pausing `pause` ms between pieces (each its own TCP segment). */
  async sendChopped(data: Buffer, size: number, pause = 0): Promise<void> {
    for (let at = 0; at < data.length; at += size) {
      this.send(data.subarray(at, at + size));
      await (pause > 0 ? sleep(pause) : new Promise((resolve) => setImmediate(resolve)));
    }
  }

  /** Data messages received so far, assembled from fragments: [opcode, payload]. */
  messages(): [number, Buffer][] {
    const out: [number, Buffer][] = [];
    let opcode = 0;
    let parts: Buffer[] = [];
    for (const f of this.frames) {
      if (f.opcode >= 8) continue;
      if (f.opcode !== 0) opcode = f.opcode;
      parts.push(f.payload);
      if (f.fin) {
        out.push([opcode, Buffer.concat(parts)]);
        parts = [];
      }
    }
    return out;
  }

  closeFrames(): ServerFrame[] {
    return this.frames.filter((f) => f.opcode === 8);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Autobahn-style cases passed and failed per group, for the summary a suite prints at the end. */
export class CaseTally {
  private readonly groups = new Map<string, { ok: number; failed: string[] }>();

  /** Records case `id` of `group`: passed when `problem` is null. */
  record(group: string, id: string, problem: string | null): void {
    const r = this.groups.get(group) ?? { ok: 0, failed: [] };
    if (problem === null) r.ok++;
    else r.failed.push(id);
    this.groups.set(group, r);
  }

  /** `title`, then one line per group: `name: ok/total OK (FAILED: ids)`. */
  summary(title: string): string {
    const lines = [...this.groups].map(([group, r]) => `  ${group}: ${r.ok}/${r.ok + r.failed.length} OK${r.failed.length ? ` (FAILED: ${r.failed.join(', ')})` : ''}`);
    return `${title}:\n${lines.join('\n')}`;
  }
}
