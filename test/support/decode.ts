/** Runs wsframe's FrameDecoder and records its callbacks as Events. */
import { FrameDecoder, type FrameCore } from '../../src/codec/index.js';
import type { Event } from './ws.js';

export function wsframeDecode(
  chunks: Uint8Array[],
  role: 'server' | 'client',
  options: { maxPayload?: number; core?: FrameCore; transient?: boolean } = {},
): { events: Event[]; decoder: FrameDecoder } {
  const events: Event[] = [];
  // Transient views are valid only during the callback: keep copies.
  const keep = options.transient ? (data: Uint8Array) => data.slice() : (data: Uint8Array) => data;
  const decoder = new FrameDecoder({
    role,
    maxPayload: options.maxPayload ?? 0,
    core: options.core,
    transient: options.transient,
    onMessage: (data, isBinary) => events.push({ kind: 'message', data: keep(data), isBinary }),
    onPing: (data) => events.push({ kind: 'ping', data: keep(data) }),
    onPong: (data) => events.push({ kind: 'pong', data: keep(data) }),
    onClose: (code, reason) => events.push({ kind: 'close', code, reason }),
    onError: (error) => events.push({ kind: 'error', closeCode: error.closeCode, code: error.code }),
  });
  for (const chunk of chunks) decoder.push(chunk);
  return { events, decoder };
}

/** Events in a compact comparable form (payloads as hex, long ones as length + sampled bytes). */
export function digest(events: Event[]): unknown[] {
  return events.map((e) => {
    if (e.kind === 'close') return [e.kind, e.code, e.reason];
    if (e.kind === 'error') return [e.kind, e.closeCode, e.code];
    const bytes = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.length);
    const data = bytes.length <= 64 ? bytes.toString('hex') : `${bytes.length}:${hash(bytes)}`;
    return e.kind === 'message' ? [e.kind, e.isBinary, data] : [e.kind, data];
  });
}

/** FNV-1a over every byte: two different payloads of one length collide with negligible probability. */
function hash(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  let g = 0x12345678;
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h ^ bytes[i], 0x01000193);
    g = Math.imul(g ^ bytes[i], 0x5bd1e995) ^ (g >>> 13);
  }
  return `${(h >>> 0).toString(16)}${(g >>> 0).toString(16)}`;
}
