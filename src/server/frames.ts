/**
 * Encodes one connection's queued frames into one buffer for one socket write.
 *
 * One `FrameEncoder` per role serves every connection in the realm: `flush`
 * runs no user code between encoding and handing the bytes over, and
 * `writeFrame` keeps no per-message state (the connection tracks its own
 * fragmentation), so a connection costs no encoder memory while idle.
 */
import { FrameEncoder } from '../codec/frame-encoder.js';

export type Role = 'server' | 'client';

/** Opcode marking an already-encoded frame (a broadcast shared by many connections). */
export const ENCODED = -1;

const encoders = {
  server: new FrameEncoder({ role: 'server' }),
  client: new FrameEncoder({ role: 'client' }),
};

/** Frames `payloads[i]` with `opcodes[i]` and `fins[i]` (masked for clients), back to back in one new Buffer. */
export function encodeFrames(role: Role, opcodes: number[], payloads: Uint8Array[], fins: boolean[]): Buffer {
  const encoder = encoders[role];
  let size = 0;
  for (let i = 0; i < opcodes.length; i++) {
    size += opcodes[i] === ENCODED ? payloads[i].length : encoder.frameSize(payloads[i].length);
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < opcodes.length; i++) {
    const payload = payloads[i];
    if (opcodes[i] === ENCODED) {
      out.set(payload, at);
      at += payload.length;
    } else {
      at = encoder.writeFrame(out, at, opcodes[i], payload, fins[i]);
    }
  }
  return out;
}
