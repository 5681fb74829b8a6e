/**
 * Chooses the permessage-deflate engine once per runtime: `node:zlib` where
 * the runtime has it with a synchronous stream handle (Node, Deno, Bun, found
 * through `process.getBuiltinModule`, so the codec's entry never imports
 * `node:*` and bundles for browsers stay clean), else pako (browsers, workerd),
 * loaded lazily: Node users never need it installed.
 */
import type * as NodeZlib from 'node:zlib';
import { nodeZlibEngine } from './node-zlib.js';
import { type Pako, pakoEngine } from './pako.js';
import type { DeflateEngine } from './types.js';

/** Which engine to load: `'auto'` (the default) picks `node:zlib` where the runtime has it, else pako. */
export type DeflateEngineName = 'auto' | 'node:zlib' | 'pako';

const loaded = new Map<DeflateEngineName, Promise<DeflateEngine>>();

/**
 * The runtime's `node:zlib`, if it has one usable synchronously. Not
 * workerd's (nodejs_compat): its handle has `writeSync`, but the zip-bomb case
 * of the runtime vectors (16 MiB of zeros) failed there with a TypeError for a
 * negative length inside `writeSync`, so workerd gets pako.
 */
function builtinZlib(): DeflateEngine | undefined {
  if ((globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers') return undefined;
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const zlib = process?.getBuiltinModule?.('node:zlib') as typeof NodeZlib | undefined;
  if (zlib === undefined) return undefined;
  try {
    return nodeZlibEngine(zlib);
  } catch {
    return undefined;
  }
}

async function load(name: DeflateEngineName): Promise<DeflateEngine> {
  if (name !== 'pako') {
    const engine = builtinZlib();
    if (engine !== undefined) return engine;
    if (name === 'node:zlib') throw new Error('this runtime has no node:zlib with synchronous streams (process.getBuiltinModule)');
  }
  let pako: Pako;
  try {
    pako = (await import('pako')) as unknown as Pako;
  } catch (cause) {
    throw new Error('permessage-deflate in this runtime (no node:zlib) needs the pako package: npm install pako', { cause });
  }
  return pakoEngine(pako);
}

/**
 * Loads the permessage-deflate engine for this runtime (once; later calls get
 * the same engine): `node:zlib` in Node (≥ 20.16), Deno and Bun, pako (an
 * optional peer dependency, ≥ 3) in browsers and Cloudflare workerd.
 * @throws {Error} (the promise rejects) when the engine asked for is not available
 */
export function deflateEngine(name: DeflateEngineName = 'auto'): Promise<DeflateEngine> {
  let engine = loaded.get(name);
  if (engine === undefined) {
    loaded.set(name, (engine = load(name)));
    engine.catch(() => loaded.delete(name));
  }
  return engine;
}

