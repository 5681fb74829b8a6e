/**
 * The cross-runtime permessage-deflate vectors (test/support/vectors/deflate.ts)
 * in Node, as `npm run test:runtimes` runs them in Deno, Bun, workerd and
 * Chromium: on node:zlib (which Node's `deflateEngine()` must pick) and on
 * pako, against Node's own CompressionStream/DecompressionStream.
 */
import { expect, test } from 'vitest';
import * as codec from '../../src/codec/index.js';
import * as deflate from '../../src/deflate/index.js';
import { runDeflate } from '../support/vectors/deflate.js';

test('deflate vectors on node:zlib and pako', async () => {
  const seed = Number(process.env.WSFRAME_SEED ?? 0x5eed_0009);
  const result = await runDeflate(codec, deflate, { seed, scale: Number(process.env.WSFRAME_FUZZ_RUNS ?? 1) });
  expect(result.failed).toEqual([]);
  expect(result.engine).toBe('node:zlib');
  expect(result.passed.length).toBe(2 * 9);
}, 120_000);
