/**
 * The client side of permessage-deflate for the fuzzing client (fuzzer.ts),
 * built on node:zlib's one-shot functions, independent of wsframe's engine:
 * reading the server's answer, compressing the client's messages and
 * inflating the server's. Context takeover is reproduced with a preset
 * dictionary (the last window of what went before).
 */
import zlib from 'node:zlib';
import { type Fuzzer, frame } from './fuzzer.js';

/** RSV1 in a FrameSpec's 3-bit `rsv`. */
export const RSV1 = 4;
export const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
/** The end of a flushed DEFLATE stream, which a message leaves out (RFC 7692 §7.2.1). */
export const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const CLOSE = 8;

/** What the server's answer agreed, as the client reads it (RFC 7692 §7.1). */
export interface Agreed {
  serverTakeover: boolean;
  clientTakeover: boolean;
  serverBits: number;
  clientBits: number;
}

/** Parses the `Sec-WebSocket-Extensions` answer in a 101 head; undefined when there is none. */
export function agreed(response: string): Agreed | undefined {
  const line = /^sec-websocket-extensions: *(.*)$/im.exec(response)?.[1].trim();
  if (line === undefined) return undefined;
  const [name, ...params] = line.split(';').map((p) => p.trim());
  if (name !== 'permessage-deflate' || line.includes(',')) throw new Error(`unexpected answer ${line}`);
  const value = (key: string) => params.find((p) => p.split('=')[0] === key)?.split('=')[1];
  return {
    serverTakeover: !params.includes('server_no_context_takeover'),
    clientTakeover: !params.includes('client_no_context_takeover'),
    serverBits: Number(value('server_max_window_bits') ?? 15),
    clientBits: Number(value('client_max_window_bits') ?? 15),
  };
}

/** The last `bits`-window of what went before: the preset dictionary that stands for context takeover. */
const windowOf = (history: Buffer, bits: number) => history.subarray(Math.max(0, history.length - (1 << bits)));

/** The client's frames for `messages`, compressed as agreed, each message's compressed payload cut into `fragment`-byte frames (0: one frame). */
export function compressedFrames(messages: Buffer[], opcode: number, a: Agreed, fragment: number): Buffer {
  const frames: Buffer[] = [];
  let history = Buffer.alloc(0);
  for (const message of messages) {
    // zlib has no raw 8-bit window; a 9-bit compressor never reaches past 8 bits' worth (as ws does).
    const bits = Math.max(a.clientBits, 9);
    const options = a.clientTakeover && history.length > 0 ? { ...SYNC, windowBits: bits, dictionary: windowOf(history, bits) } : { ...SYNC, windowBits: bits };
    const payload = zlib.deflateRawSync(message, options).subarray(0, -TRAILER.length);
    if (a.clientTakeover) history = Buffer.concat([windowOf(history, 15), message]);
    const size = fragment || payload.length || 1;
    for (let at = 0; at === 0 || at < payload.length; at += size) {
      const first = at === 0;
      frames.push(frame(first ? opcode : 0, payload.subarray(at, at + size), { rsv: first ? RSV1 : 0, fin: at + size >= payload.length }));
    }
  }
  return Buffer.concat(frames);
}

/** The server's data messages, inflated as agreed: [opcode, whether compressed, payload]. */
export function inflatedMessages(f: Fuzzer, a: Agreed): [number, boolean, Buffer][] {
  const out: [number, boolean, Buffer][] = [];
  let history = Buffer.alloc(0);
  let parts: Buffer[] = [];
  let first = f.frames[0];
  for (const fr of f.frames) {
    if (fr.opcode >= CLOSE) continue;
    if (parts.length === 0) first = fr;
    parts.push(fr.payload);
    if (!fr.fin) continue;
    const compressed = (first.rsv & RSV1) !== 0;
    let data = Buffer.concat(parts);
    parts = [];
    if (compressed) {
      const dictionary = a.serverTakeover && history.length > 0 ? { dictionary: windowOf(history, 15) } : {};
      data = zlib.inflateRawSync(Buffer.concat([data, TRAILER]), { ...SYNC, ...dictionary });
      if (a.serverTakeover) history = Buffer.concat([windowOf(history, 15), data]);
    }
    out.push([first.opcode, compressed, data]);
  }
  return out;
}
