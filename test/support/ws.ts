/** The real ws Receiver and Sender, as references for the frame codec. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ws = require('ws') as { Receiver: any; Sender: any };

/** A decoded event, the same shape for ws and wsframe. */
export type Event =
  | { kind: 'message'; data: Uint8Array; isBinary: boolean }
  | { kind: 'ping' | 'pong'; data: Uint8Array }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'error'; closeCode: number; code: string };

/** One frame as ws's Sender would write it (masked when `mask`). Does not modify `data`. */
export function wsFrame(data: Uint8Array, opcode: number, fin: boolean, mask: boolean): Buffer {
  const parts: Buffer[] = ws.Sender.frame(Buffer.from(data), { fin, opcode, mask, readOnly: true, rsv1: false });
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

export { ws };

/** Feeds `chunks` to a ws Receiver and returns what it emits. */
export function wsDecode(chunks: Uint8Array[], isServer: boolean, maxPayload = 0): Event[] {
  const events: Event[] = [];
  const receiver = new ws.Receiver({ isServer, maxPayload });
  receiver.on('message', (data: Buffer, isBinary: boolean) => events.push({ kind: 'message', data, isBinary }));
  receiver.on('ping', (data: Buffer) => events.push({ kind: 'ping', data }));
  receiver.on('pong', (data: Buffer) => events.push({ kind: 'pong', data }));
  receiver.on('conclude', (code: number, reason: Buffer) => events.push({ kind: 'close', code, reason: reason.toString() }));
  // ws reports errors through its Writable (asynchronously): call _write directly to see them in order.
  let failed = false;
  const done = (error?: { code: string; [key: symbol]: number }): void => {
    if (!error) return;
    failed = true;
    const statusCode = Object.getOwnPropertySymbols(error).find((s) => s.description === 'status-code')!;
    events.push({ kind: 'error', closeCode: error[statusCode], code: error.code });
  };
  // ws unmasks in place: give it copies, as a socket would.
  for (const chunk of chunks) {
    if (failed) break;
    receiver._write(Buffer.from(chunk), 'buffer', done);
  }
  return events;
}
