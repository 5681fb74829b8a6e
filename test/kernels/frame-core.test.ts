import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fallbackKernels } from '../../src/codec/fallback/index.js';
import { frameCore } from '../../src/codec/frame-core.js';
import { STATE_WORDS, S_FLAGS, S_MAX_PAYLOAD } from '../../src/codec/frame-layout.js';
import { type Kernels, implementation, kernels } from '../../src/codec/wasm.js';
import { digest, wsframeDecode } from '../support/decode.js';
import { Random } from '../support/random.js';
import { FUZZ_SEED, chunking, frames, fuzzRuns, items, split } from '../support/streams.js';
import { wsDecode } from '../support/ws.js';

// The realm's WASM kernels and the shipped pure-JS twins, each at its own addresses.
const sides = [kernels, fallbackKernels].map((k: Kernels) => ({
  memory: new Uint8Array(k.memory.buffer),
  ioPtr: k.ioPtr(),
  statePtr: k.frameStatePtr(),
  tablePtr: k.frameTablePtr(),
  decodeFrames: k.decodeFrames,
}));
const IO_SIZE = Math.min(kernels.ioSize(), fallbackKernels.ioSize());

/** Feeds the same chunks to the WASM kernel and its twin; every output must match. */
function sameAsTwin(chunks: Uint8Array[], server: boolean, maxPayload: number, at: number): void {
  const initial = new Int32Array(STATE_WORDS);
  initial[S_FLAGS] = server ? 1 : 0;
  initial[S_MAX_PAYLOAD >> 2] = maxPayload;
  const states = [initial.slice(), initial.slice()];
  for (const chunk of chunks) {
    let offset = 0;
    // The kernel may stop early (full table): call again on the rest, as FrameDecoder does.
    for (let guard = 0; guard < 100; guard++) {
      const n = Math.min(chunk.length - offset, IO_SIZE - at);
      const results: unknown[] = [];
      sides.forEach((side, k) => {
        const { memory } = side;
        const input = side.ioPtr + at;
        memory.set(chunk.subarray(offset, offset + n), input);
        new Int32Array(memory.buffer, side.statePtr, STATE_WORDS).set(states[k]);
        const count = side.decodeFrames(input, n);
        states[k] = new Int32Array(memory.buffer, side.statePtr, STATE_WORDS).slice();
        results.push({
          count,
          state: [...states[k]],
          table: [...new Int32Array(memory.buffer, side.tablePtr, count * 4)],
          io: Buffer.from(memory.subarray(input, input + n)).toString('hex'),
        });
      });
      expect(results[1]).toEqual(results[0]);
      const consumed = states[0][13];
      offset += consumed;
      if (offset >= chunk.length || consumed === 0 || states[0][1] === 2) break;
    }
  }
}

/** A valid stream with a few bytes flipped: most flips hit payloads, some hit headers and trip the checks. */
function corrupt(stream: Uint8Array, seed: number, flips: number): Uint8Array {
  const random = new Random(seed);
  const out = stream.slice();
  for (let i = 0; i < flips && out.length > 0; i++) out[random.int(out.length)] ^= 1 << random.int(8);
  return out;
}

describe(`decodeFrames: WASM kernel (${implementation()}) vs the TypeScript twin (seed ${FUZZ_SEED})`, () => {
  it('valid and corrupted streams, random chunks, random limits and positions in the I/O region', () => {
    fc.assert(
      fc.property(
        items(70_000), chunking, fc.boolean(), fc.integer(), fc.nat(3), fc.constantFrom(0, 0, 64, 1000, 100_000), fc.nat(64),
        (list, how, server, seed, flips, maxPayload, at) => {
          const stream = corrupt(frames(list, server), seed, flips);
          sameAsTwin(split(stream, how), server, maxPayload, at);
        },
      ),
      { seed: FUZZ_SEED + 3, numRuns: fuzzRuns(5000) },
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), chunking, fc.boolean(), (bytes, how, server) => sameAsTwin(split(bytes, how), server, 0, 0)),
      { seed: FUZZ_SEED + 4, numRuns: fuzzRuns(5000) },
    );
  });

  it('a chunk of more frames than the table holds (several calls)', () => {
    const tiny = new Uint8Array(2 * 9000);
    for (let i = 0; i < tiny.length; i += 2) tiny[i] = 0x8a; // empty unmasked pongs
    sameAsTwin([tiny.subarray(0, IO_SIZE)], false, 0, 0);
  });
});

describe(`FrameDecoder on the TypeScript twin (no WebAssembly) vs ws Receiver (seed ${FUZZ_SEED})`, () => {
  const core = frameCore(fallbackKernels);
  it('random streams and chunkings, both roles (corrupted input: see the kernel differential above)', () => {
    fc.assert(
      fc.property(items(70_000), chunking, fc.boolean(), fc.boolean(), (list, how, server, transient) => {
        const chunks = split(frames(list, server), how);
        const expected = digest(wsDecode(chunks, server));
        expect(digest(wsframeDecode(chunks, server ? 'server' : 'client', { core, transient }).events)).toEqual(expected);
      }),
      { seed: FUZZ_SEED + 7, numRuns: fuzzRuns(2000) },
    );
  });
});
