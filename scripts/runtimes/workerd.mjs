// Runs a bundled Worker under `workerd test`: every module in the bundle's
// directory is listed in a generated config (.mjs as ES modules, .wasm as
// WebAssembly modules), the way wrangler uploads a Worker.
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { binary } from './tools.mjs';

const run = promisify(execFile);

/**
 * `workerd test` on `dir`'s `main` module.
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
export async function workerdTest(dir, main) {
  const modules = readdirSync(dir)
    .filter((file) => file.endsWith('.mjs') || file.endsWith('.wasm'))
    .sort((a, b) => (a === main ? -1 : b === main ? 1 : a.localeCompare(b)))
    .map((file) => `(name = "${file}", ${file.endsWith('.wasm') ? 'wasm' : 'esModule'} = embed "${file}")`);
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "main", worker = .worker)]);
const worker :Workerd.Worker = (
  modules = [${modules.join(', ')}],
  compatibilityDate = "2025-09-01",
);
`,
  );
  try {
    const { stdout, stderr } = await run(binary('workerd'), ['test', join(dir, 'config.capnp')], { timeout: 120_000, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? String(error) };
  }
}
