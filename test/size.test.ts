// Size budget: the SIMD .wasm ≤ 16 KiB, the codec entry minified and bundled
// (both WASM builds embedded as base64) ≤ 32 KiB. Prints today's sizes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
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
  const simd = readFileSync(new URL('../build/wsframe.wasm', import.meta.url));
  const scalar = readFileSync(new URL('../build/wsframe-nosimd.wasm', import.meta.url));
  console.log(`build/wsframe.wasm: ${describeSize(simd)}, gzip ${gzipSync(simd).length} B; build/wsframe-nosimd.wasm: ${describeSize(scalar)}`);
  expect(simd.length).toBeLessThanOrEqual(16 * KiB);
});

it('codec entry, minified bundle with the WASM embedded, ≤ 32 KiB', async () => {
  const embedded = await minified(['import']);
  const workerd = await minified(['workerd', 'import']);
  console.log(`codec minified: ${describeSize(embedded)} with both WASM builds embedded (gzip ${gzipSync(embedded).length} B); ` +
    `${describeSize(workerd)} under the workerd condition (.wasm files separate)`);
  expect(embedded.length).toBeLessThanOrEqual(32 * KiB);
  expect(workerd.length).toBeLessThan(embedded.length);
});
