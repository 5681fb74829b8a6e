// Runs a bundled Worker in workerd, with `workerd test` or `workerd serve`:
// every module in the bundle's directory is listed in a generated config
// (.mjs as ES modules, .wasm as WebAssembly modules), the way wrangler uploads a Worker.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { binary } from './tools.mjs';

const run = promisify(execFile);

/** Writes `dir`/config.capnp listing the bundle's modules; `socket` ("127.0.0.1:PORT") serves HTTP. */
function writeConfig(dir, main, socket) {
  const modules = readdirSync(dir)
    .filter((file) => file.endsWith('.mjs') || file.endsWith('.wasm'))
    .sort((a, b) => (a === main ? -1 : b === main ? 1 : a.localeCompare(b)))
    .map((file) => `(name = "${file}", ${file.endsWith('.wasm') ? 'wasm' : 'esModule'} = embed "${file}")`);
  const sockets = socket ? `, sockets = [(name = "http", address = "${socket}", http = (), service = "main")]` : '';
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "main", worker = .worker)]${sockets});
const worker :Workerd.Worker = (
  modules = [${modules.join(', ')}],
  compatibilityDate = "2025-09-01",
);
`,
  );
  return join(dir, 'config.capnp');
}

/**
 * Serves `dir`'s Worker on 127.0.0.1:`port` until `close()`.
 * @returns {Promise<{ url: string, close(): void }>}
 */
export async function workerdServe(dir, main, port) {
  const child = spawn(binary('workerd'), ['serve', writeConfig(dir, main, `127.0.0.1:${port}`)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(url);
      return { url, close: () => child.kill() };
    } catch (error) {
      if (attempt > 100 || child.exitCode !== null) {
        child.kill();
        throw new Error(`workerd did not start serving ${url}: ${error}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * `workerd test` on `dir`'s `main` module.
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
export async function workerdTest(dir, main) {
  const config = writeConfig(dir, main);
  try {
    const { stdout, stderr } = await run(binary('workerd'), ['test', config], { timeout: 120_000, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? String(error) };
  }
}
