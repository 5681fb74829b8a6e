// esbuild bundles of the runtime entries, built the way each platform's users
// build: Deno and Bun load the package itself (`wsframe` stays external and
// resolves through package.json), workerd gets the `workerd` condition with
// .wasm files as modules (as wrangler does), Chromium gets a browser bundle.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './tools.mjs';

export const outRoot = join(root, 'build', 'runtimes');

/**
 * Bundles `entry` (relative to the repo root) into build/runtimes/<name>/.
 * `implementation` forces WSFRAME_IMPLEMENTATION before the codec loads;
 * `seed` and `scale` set the shared vectors' random sample.
 * @returns {Promise<string>} the output directory
 */
export async function bundle({ name, entry, target, implementation, seed = 0x5eed_0006, scale = 1, define = {} }) {
  const outdir = join(outRoot, name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const common = {
    entryPoints: [join(root, entry)],
    bundle: true,
    outdir,
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    logLevel: 'warning',
    // Not the repo's tsconfig: its `paths` maps #wasm to the source for tsc,
    // and a package's users bundle with package.json `imports` alone.
    tsconfigRaw: {},
    define: { __WSFRAME_SEED__: String(seed), __WSFRAME_SCALE__: String(scale), ...define },
    banner: implementation ? { js: `globalThis.WSFRAME_IMPLEMENTATION = ${JSON.stringify(implementation)};` } : undefined,
  };
  if (target === 'cli') {
    await build({ ...common, platform: 'neutral', external: ['wsframe'] });
  } else if (target === 'workerd') {
    await build({ ...common, platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], loader: { '.wasm': 'copy' }, assetNames: '[name]' });
  } else if (target === 'browser-esm') {
    await build({ ...common, platform: 'browser' });
  } else {
    await build({ ...common, platform: 'browser', format: 'iife', outExtension: { '.js': '.js' } });
  }
  return outdir;
}
