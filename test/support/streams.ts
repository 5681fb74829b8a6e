/** fast-check arbitraries for WebSocket frame streams, built with ws's Sender. */
import fc from 'fast-check';
import { Random } from './random.js';
import { wsFrame } from './ws.js';

/** Runs and seed for generated cases: fixed in CI, WSFRAME_FUZZ_RUNS / WSFRAME_SEED to explore more. */
export const FUZZ_SEED = Number(process.env.WSFRAME_SEED ?? 0x5eed_0004);
export function fuzzRuns(defaultRuns: number): number {
  const scale = Number(process.env.WSFRAME_FUZZ_RUNS ?? 0);
  return scale > 0 ? Math.ceil(defaultRuns * scale) : defaultRuns;
}

/** Payload sizes: mostly small, the length-encoding edges, now and then large. */
export function payloadSize(max: number): fc.Arbitrary<number> {
  const edges = [0, 1, 2, 3, 4, 5, 124, 125, 126, 127, 128, 65535, 65536, 65537].filter((n) => n <= max);
  return fc.oneof(
    { weight: 40, arbitrary: fc.integer({ min: 0, max: 140 }) },
    { weight: 4, arbitrary: fc.constantFrom(...edges) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: Math.min(max, 4096) }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max }) },
  );
}

const encoder = new TextEncoder();

/** `size` bytes of valid UTF-8 mixing 1- to 4-byte characters (seeded). */
export function utf8Bytes(size: number, seed: number): Uint8Array {
  const random = new Random(seed);
  const out = new Uint8Array(size);
  const ascii = random.int(4) === 0; // some payloads pure ASCII, the common case
  let i = 0;
  while (i < size) {
    const room = size - i;
    const width = ascii ? 1 : Math.min(room, 1 + random.int(4));
    let cp: number;
    if (width === 1) cp = random.int(0x80);
    else if (width === 2) cp = 0x80 + random.int(0x800 - 0x80);
    else if (width === 3) {
      do cp = 0x800 + random.int(0x10000 - 0x800); while (cp >= 0xd800 && cp <= 0xdfff);
    } else cp = 0x10000 + random.int(0x110000 - 0x10000);
    i += encoder.encodeInto(String.fromCodePoint(cp), out.subarray(i)).written;
  }
  return out;
}

export interface Control {
  opcode: 9 | 10;
  payload: Uint8Array;
}

export interface Message {
  opcode: 1 | 2;
  payload: Uint8Array;
  /** Fragment boundaries (byte offsets, ascending, inside the payload). */
  cuts: number[];
  /** Control frames sent after fragment i (i < number of fragments - 1). */
  interleaved: { after: number; control: Control }[];
}

export type Item = { message: Message } | { control: Control };

export const control: fc.Arbitrary<Control> = fc
  .record({ opcode: fc.constantFrom(9 as const, 10 as const), size: fc.integer({ min: 0, max: 125 }), seed: fc.integer() })
  .map(({ opcode, size, seed }) => ({ opcode, payload: new Random(seed).bytes(size) }));

export function message(maxSize: number, size = payloadSize(maxSize)): fc.Arbitrary<Message> {
  return fc
    .record({
      opcode: fc.constantFrom(1 as const, 2 as const),
      size,
      seed: fc.integer(),
      fragments: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 2, max: 6 }) }),
      cutFractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
      interleaved: fc.array(fc.record({ after: fc.nat(4), control }), { maxLength: 3 }),
    })
    .map(({ opcode, size, seed, fragments, cutFractions, interleaved }) => {
      const payload = opcode === 1 ? utf8Bytes(size, seed) : new Random(seed).bytes(size);
      const cuts = cutFractions.slice(0, fragments - 1).map((f) => Math.floor(f * size)).sort((a, b) => a - b);
      return { opcode, payload, cuts, interleaved: fragments > 1 ? interleaved.filter((c) => c.after < fragments - 1) : [] };
    });
}

export function items(maxSize: number, maxLength = 6, size = payloadSize(maxSize)): fc.Arbitrary<Item[]> {
  return fc.array(
    fc.oneof({ weight: 4, arbitrary: message(maxSize, size).map((m) => ({ message: m })) }, { weight: 1, arbitrary: control.map((c) => ({ control: c })) }),
    { minLength: 1, maxLength },
  );
}

/** The frames for `items`, as ws's Sender writes them; masked for a server to read. */
export function frames(list: Item[], masked: boolean): Buffer {
  const out: Buffer[] = [];
  for (const item of list) {
    if ('control' in item) {
      out.push(wsFrame(item.control.payload, item.control.opcode, true, masked));
      continue;
    }
    const { opcode, payload, cuts, interleaved } = item.message;
    const bounds = [0, ...cuts, payload.length];
    for (let f = 0; f + 1 < bounds.length; f++) {
      const last = f + 2 === bounds.length;
      out.push(wsFrame(payload.subarray(bounds[f], bounds[f + 1]), f === 0 ? opcode : 0, last, masked));
      for (const c of interleaved) if (c.after === f) out.push(wsFrame(c.control.payload, c.control.opcode, true, masked));
    }
  }
  return Buffer.concat(out);
}

/** Ways to split a stream into chunks: random cut points, or fixed sizes down to 1 byte. */
export const chunking = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 24 }).map((f) => ({ cuts: f })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 17 }).map((size) => ({ size })) },
);

export function split(stream: Uint8Array, how: { cuts: number[] } | { size: number }): Uint8Array[] {
  let points: number[];
  if ('size' in how) {
    // Byte-sized chunks only for short streams: a 1 MiB stream in 1-byte pushes would dominate the run time.
    const size = stream.length > 8192 ? Math.max(how.size, Math.ceil(stream.length / 512)) : how.size;
    points = [];
    for (let at = size; at < stream.length; at += size) points.push(at);
  } else {
    points = how.cuts.map((f) => Math.floor(f * stream.length)).sort((a, b) => a - b);
  }
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const at of [...points, stream.length]) {
    chunks.push(stream.subarray(from, at));
    from = at;
  }
  return chunks;
}
