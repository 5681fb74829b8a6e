/**
 * Delivery straight from the kernel's descriptor table (owned mode, the input's
 * last kernel call): callbacks run while the table is live. Whatever a callback
 * does (push into this decoder or another on the same table, overwrite the I/O
 * region, throw), the events and their order must be those of the queued path,
 * which transient mode still takes: the two are compared on random streams.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder, IO_SIZE, io, isValidUTF8, maskIO } from '../../src/codec/index.js';
import { frameCore } from '../../src/codec/internal.js';
import { Random } from '../support/random.js';
import { wsFrame } from '../support/ws.js';

type Action = 'none' | 'same' | 'other' | 'sibling' | 'throw' | 'clobber';
// Mostly nothing: a push into the same decoder lands mid-frame unless the read ended on a frame's end, and
// then the stream is corrupt from there on (the same way in both runs, but the rest of the run tests little).
const ACTIONS: Action[] = [...Array<Action>(24).fill('none'), 'same', 'other', 'other', 'sibling', 'sibling', 'throw', 'throw', 'clobber', 'clobber'];

/** A masked client frame, as ws writes it but with a fixed key: the runs compared must get the same bytes. */
function frame(data: Uint8Array, opcode: number, fin = true): Buffer {
  const bytes = wsFrame(data, opcode, fin, false);
  const head = bytes.length - data.length;
  const key = Uint8Array.of(0x12, 0x9a, 0x4e, data.length & 0xff);
  const masked = Buffer.alloc(bytes.length + 4);
  bytes.copy(masked, 0, 0, head);
  masked[1] |= 0x80;
  masked.set(key, head);
  for (let i = 0; i < data.length; i++) masked[head + 4 + i] = data[i] ^ key[i & 3];
  return masked;
}
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A random client stream: messages (some fragmented, some long text), control frames, maybe a close or an error at the end. */
function randomFrames(r: Random): Uint8Array[] {
  const out: Uint8Array[] = [];
  const count = 1 + r.int(60);
  // Half the streams only short unfragmented frames: reads of them are delivered from the table (others mostly queue).
  const plain = r.int(2) === 0;
  for (let i = 0; i < count; i++) {
    const size = !plain && r.int(8) === 0 ? 1000 + r.int(3000) : r.int(40);
    const kind = r.int(plain ? 8 : 10);
    if (kind < 4) out.push(frame(text('é'.repeat(r.int(3)) + 'x'.repeat(size)), 1));
    else if (kind < 7) out.push(frame(r.bytes(size), 2));
    else if (kind === 7) out.push(frame(r.bytes(r.int(20)), 9 + r.int(2)));
    else {
      // Fragmented, with a ping between the fragments.
      out.push(frame(text('ab'), 1, false), frame(text('p'), 9), frame(text('c'.repeat(size)), 0));
    }
  }
  const end = r.int(10);
  if (end === 0) out.push(frame(Uint8Array.of(0x03, 0xe8, 0x62), 8), frame(text('after close'), 1));
  else if (end === 1) out.push(frame(Uint8Array.of(0x61, 0xff), 1), frame(text('after 1007'), 1));
  else if (end === 2) out.push(frame(text('bad opcode'), 3));
  return out;
}

/** Runs one scripted scenario and returns its log: every event of the decoder and its bystanders, throws included. */
function run(seed: number, transient: boolean): string[] {
  const r = new Random(Math.imul(seed, 0x9e3779b1));
  const frames = randomFrames(r);
  const stream = Buffer.concat(frames);
  const actions = Array.from({ length: 64 }, () => ACTIONS[r.int(ACTIONS.length)]);
  const extra = Array.from({ length: 64 }, (_, k) => frame(text(`extra ${k}`), 1));
  const cuts: number[] = [];
  for (let at = 0; at < stream.length;) cuts.push((at = Math.min(stream.length, at + 1 + r.int(r.int(4) === 0 ? 40 : 4000))));
  const viaIO = cuts.map(() => r.int(2) === 0);

  const log: string[] = [];
  const show = (data: Uint8Array): string => Buffer.from(data).toString('hex');
  const bystander = (name: string, core?: ReturnType<typeof frameCore>): FrameDecoder => new FrameDecoder({
    role: 'server',
    transient,
    core,
    onMessage: (data) => log.push(`${name}:${show(data)}`),
  });
  const other = bystander('other');
  const sibling = bystander('sibling', frameCore()); // another core object over the same kernels (the same table)
  let events = 0;
  const act = (): void => {
    const k = events++;
    const action = actions[k % actions.length];
    if (action === 'same') decoder.push(extra[k % extra.length]);
    else if (action === 'other') other.push(extra[(k + 1) % extra.length]);
    else if (action === 'sibling') sibling.push(extra[(k + 2) % extra.length]);
    else if (action === 'throw') throw new Error(`thrown at ${k}`);
    else if (action === 'clobber') {
      io.fill(k & 0xff);
      isValidUTF8(r.bytes(600));
      maskIO(0, 100, Uint8Array.of(1, 2, 3, 4));
    }
  };
  const decoder: FrameDecoder = new FrameDecoder({
    role: 'server',
    transient,
    onMessage: (data, isBinary) => {
      log.push(`${isBinary ? 'binary' : 'text'}:${show(data)}`);
      act();
    },
    onPing: (data) => {
      log.push(`ping:${show(data)}`);
      act();
    },
    onPong: (data) => {
      log.push(`pong:${show(data)}`);
      act();
    },
    onClose: (code, reason) => log.push(`close:${code}:${reason}`),
    onError: (error) => log.push(`error:${error.closeCode}`),
  });
  const attempt = (push: () => void): void => {
    try {
      push();
    } catch (error) {
      log.push(`threw:${(error as Error).message}`);
    }
  };
  let from = 0;
  cuts.forEach((to, i) => {
    const chunk = stream.subarray(from, to);
    from = to;
    if (viaIO[i] && chunk.length <= IO_SIZE) {
      attempt(() => {
        io.set(chunk);
        decoder.pushIO(chunk.length);
      });
    } else attempt(() => decoder.push(chunk));
  });
  // What a throw left queued is delivered by the next push (an empty one here), until nothing throws.
  for (let i = 0; i < 64 && log.at(-1)?.startsWith('threw:') === true; i++) attempt(() => decoder.push(new Uint8Array(0)));
  return log;
}

describe('delivery from the descriptor table (owned mode) matches the queued path (transient mode)', () => {
  it('random streams and chunkings, with callbacks that push, overwrite the I/O region and throw', () => {
    let events = 0;
    let throws = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const owned = run(seed, false);
      const queued = run(seed, true);
      expect(owned, `seed ${seed}`).toEqual(queued);
      events += owned.length;
      throws += owned.filter((line) => line.startsWith('threw:')).length;
    }
    expect(events).toBeGreaterThan(20_000);
    expect(throws).toBeGreaterThan(1000);
  });

  it('a push into another decoder on the same table, mid-read, leaves the rest of the read intact', () => {
    const got: string[] = [];
    const other: string[] = [];
    // Many frames for the other decoder: its kernel call overwrites every row of the table this read uses.
    const flood = Buffer.concat(Array.from({ length: 100 }, (_, i) => frame(Uint8Array.of(i), 2)));
    const second = new FrameDecoder({ role: 'server', core: frameCore(), onMessage: (data) => other.push(Buffer.from(data).toString('hex')) });
    const decoder = new FrameDecoder({
      role: 'server',
      onMessage: (data) => {
        got.push(Buffer.from(data).toString());
        if (got.length === 2) second.push(flood);
      },
    });
    const read = Buffer.concat(Array.from({ length: 30 }, (_, i) => frame(text(`m${i}`), 1)));
    io.set(read);
    decoder.pushIO(read.length);
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    expect(other).toEqual(Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(2, '0')));
  });

  it('a throw mid-read, then a protocol error later in the same read: the rest and the error come with the next push', () => {
    const got: string[] = [];
    const decoder = new FrameDecoder({
      role: 'server',
      onMessage: (data) => {
        got.push(Buffer.from(data).toString());
        if (got.length === 1) throw new Error('boom');
      },
      onPing: () => got.push('ping'),
      onError: (error) => got.push(`error ${error.closeCode}`),
    });
    const read = Buffer.concat([frame(text('a'), 1), frame(text('b'), 1), frame(new Uint8Array(0), 9), frame(text('bad'), 3)]);
    expect(() => decoder.push(read)).toThrow('boom');
    expect(got).toEqual(['a']);
    expect(decoder.stopped).toBe(true);
    decoder.push(new Uint8Array(0));
    expect(got).toEqual(['a', 'b', 'ping', 'error 1002']);
  });
});
