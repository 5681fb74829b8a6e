// FrameDecoder running on the pure-JS kernels (the twins the codec falls back
// to without WebAssembly) vs ws's Receiver. The kernels themselves are
// compared with the WASM builds in test/kernels/differential.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fallbackKernels } from '../../src/codec/fallback/index.js';
import { frameCore } from '../../src/codec/frame-core.js';
import { digest, wsframeDecode } from '../support/decode.js';
import { FUZZ_SEED, chunking, frames, fuzzRuns, items, split } from '../support/streams.js';
import { wsDecode } from '../support/ws.js';

describe(`FrameDecoder on the TypeScript twin (no WebAssembly) vs ws Receiver (seed ${FUZZ_SEED})`, () => {
  const core = frameCore(fallbackKernels);
  it('random streams and chunkings, both roles (corrupted input: test/kernels/differential.test.ts)', () => {
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
