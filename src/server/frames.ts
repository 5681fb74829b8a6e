/**
 * Encodes one connection's queued frames into one buffer for one socket write.
 *
 * One `FrameWriter` per role serves every connection in the realm: it keeps
 * no per-message state (the connection tracks its own fragmentation), so a
 * connection costs no encoder memory while idle.
 */
import { FrameWriter } from '../codec/frame-writer.js';

export type Role = 'server' | 'client';

/** Opcode marking an already-encoded frame (a broadcast shared by many connections). */
export const ENCODED = -1;

const encoders = {
  server: new FrameWriter({ role: 'server' }),
  client: new FrameWriter({ role: 'client' }),
};

/**
 * Payloads from this size are written beside their header instead of copied
 * into the batch, where nothing is masked (the server role, and frames encoded
 * already): for large messages the copy costs more than a second write chunk.
 */
const DIRECT_WRITE = 16 * 1024;

/**
 * Frames `payloads[i]` with `opcodes[i]` and `fins[i]` (masked for clients):
 * back to back in one new Buffer, except that large unmasked payloads stay
 * separate chunks, written as they are. Returns the chunks in write order.
 */
export function encodeFrames(role: Role, opcodes: number[], payloads: Uint8Array[], fins: boolean[]): Uint8Array[] {
  const encoder = encoders[role];
  const asIs = (i: number): boolean =>
    payloads[i].length >= DIRECT_WRITE && (opcodes[i] === ENCODED || role === 'server');
  let size = 0;
  for (let i = 0; i < opcodes.length; i++) {
    const n = payloads[i].length;
    const frame = opcodes[i] === ENCODED ? n : encoder.frameSize(n);
    size += asIs(i) ? frame - n : frame;
  }
  const out = Buffer.allocUnsafe(size);
  const chunks: Uint8Array[] = [];
  let start = 0;
  let at = 0;
  for (let i = 0; i < opcodes.length; i++) {
    const payload = payloads[i];
    const encoded = opcodes[i] === ENCODED;
    if (!asIs(i)) {
      if (encoded) out.set(payload, at);
      at = encoded ? at + payload.length : encoder.writeFrame(out, at, opcodes[i], payload, fins[i]);
      continue;
    }
    if (!encoded) at = encoder.writeFrameHeader(out, at, opcodes[i], payload.length, fins[i]);
    if (at > start) chunks.push(out.subarray(start, at));
    chunks.push(payload);
    start = at;
  }
  if (at > start) chunks.push(out.subarray(start, at));
  return chunks;
}
