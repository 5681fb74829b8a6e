// Size budget: the SIMD .wasm ≤ 16 KiB; the codec entry's JavaScript,
// minified and bundled, ≤ 32 KiB. The JS is measured as Workers ship it (the
// .wasm files separate: they have their own budget); the default bundle also
// carries both WASM builds as base64, and its size is printed too.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KiB = 1024;

async function minified(conditions: string[]): Promise<Uint8Array> {
  const result = await build({
    stdin: { contents: "export * from 'wsframe';", resolveDir: root },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions,
    // The .wasm files stay separate modules under workerd, as wrangler uploads them.
    loader: { '.wasm': 'copy' },
    outdir: 'out',
    tsconfigRaw: {},
  });
  return result.outputFiles.find((file) => file.path.endsWith('.js'))!.contents;
}

const describeSize = (bytes: { length: number }) => `${bytes.length} B (${(bytes.length / KiB).toFixed(1)} KiB)`;

it('SIMD .wasm ≤ 16 KiB', () => {
  const simd = readFileSync(new URL('../../build/wsframe.wasm', import.meta.url));
  const scalar = readFileSync(new URL('../../build/wsframe-nosimd.wasm', import.meta.url));
  console.log(`build/wsframe.wasm: ${describeSize(simd)}, gzip ${gzipSync(simd).length} B; build/wsframe-nosimd.wasm: ${describeSize(scalar)}`);
  expect(simd.length).toBeLessThanOrEqual(16 * KiB);
});

it('codec entry, minified JavaScript, ≤ 32 KiB', async () => {
  const code = await minified(['workerd', 'import']);
  const embedded = await minified(['import']);
  console.log(`codec minified JS: ${describeSize(code)} (gzip ${gzipSync(code).length} B); ` +
    `default bundle with both WASM builds embedded as base64: ${describeSize(embedded)} (gzip ${gzipSync(embedded).length} B)`);
  expect(code.length).toBeLessThanOrEqual(32 * KiB);
  // The default bundle is the same code plus the two builds in base64.
  expect(embedded.length).toBeGreaterThan(code.length);
});
