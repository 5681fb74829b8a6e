/**
 * TEMPORARY adapter: the server's view of the frame codec. Backed by ws's
 * Receiver/Sender only until wsframe's FrameDecoder/FrameEncoder land on this
 * branch; then this file maps onto them.
 */
// @ts-expect-error ws ships no types
import { Receiver, Sender } from 'ws';
const WS = { Receiver, Sender } as any;

export interface FrameHandlers {
  onMessage(data: Uint8Array, isBinary: boolean): void;
  onPing(data: Uint8Array): void;
  onPong(data: Uint8Array): void;
  onClose(code: number, reason: string): void;
  onError(error: Error & { closeCode: number }): void;
}

export type Role = 'server' | 'client';

export class Decoder {
  private receiver: { write(chunk: Uint8Array): void; on(e: string, f: (...a: any[]) => void): void };
  constructor(role: Role, maxPayload: number, h: FrameHandlers) {
    this.receiver = new WS.Receiver({ isServer: role === 'server', maxPayload, binaryType: 'nodebuffer', extensions: {} });
    this.receiver.on('message', (d: Buffer, b: boolean) => h.onMessage(d, b));
    this.receiver.on('ping', (d: Buffer) => h.onPing(d));
    this.receiver.on('pong', (d: Buffer) => h.onPong(d));
    this.receiver.on('conclude', (c: number, r: Buffer) => h.onClose(c, r.toString()));
    this.receiver.on('error', (e: Error) => {
      const s = Object.getOwnPropertySymbols(e).find((x) => x.description === 'status-code')!;
      h.onError(Object.assign(e, { closeCode: (e as any)[s] as number }));
    });
  }
  push(chunk: Uint8Array): void {
    this.receiver.write(Buffer.from(chunk));
  }
}

/** Encodes frames (opcode, payload, fin) into one buffer. */
export function encodeFrames(role: Role, opcodes: number[], payloads: Uint8Array[], fins?: boolean[]): Uint8Array {
  const parts: Buffer[] = [];
  for (let i = 0; i < opcodes.length; i++) {
    const list = WS.Sender.frame(payloads[i], {
      fin: fins ? fins[i] : true, rsv1: false, opcode: opcodes[i], mask: role === 'client', readOnly: false,
    });
    parts.push(...list);
  }
  return Buffer.concat(parts);
}
