/**
 * TEMPORARY: frame encoding backed by ws's Sender until wsframe's
 * FrameEncoder lands on this branch.
 */
// @ts-expect-error ws ships no types
import { Sender } from 'ws';
const WS = { Sender } as any;

export type Role = 'server' | 'client';

/** Encodes frames (opcode, payload, fin) into one buffer. */
export function encodeFrames(role: Role, opcodes: number[], payloads: Uint8Array[], fins?: boolean[]): Uint8Array {
  const parts: Buffer[] = [];
  for (let i = 0; i < opcodes.length; i++) {
    if (opcodes[i] === -1) {
      parts.push(Buffer.from(payloads[i]));
      continue;
    }
    const list = WS.Sender.frame(payloads[i], {
      fin: fins ? fins[i] : true, rsv1: false, opcode: opcodes[i], mask: role === 'client', readOnly: true,
    });
    parts.push(...list);
  }
  return Buffer.concat(parts);
}
