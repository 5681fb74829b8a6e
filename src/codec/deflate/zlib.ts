/**
 * permessage-deflate on `node:zlib`, for the server and the client (Node,
 * Deno, Bun): the engine-independent part is message.ts, the engine
 * node-zlib.ts. This module imports `node:zlib`, so the codec's entry does not
 * use it (load.ts finds the module at run time instead).
 */
import zlib from 'node:zlib';
import type { DeflateParams } from './negotiate.js';
import { messageDeflate } from './message.js';
import { nodeZlibEngine } from './node-zlib.js';
import type { DeflateSettings, MessageDeflate } from './types.js';

let engine: ReturnType<typeof nodeZlibEngine> | undefined;

/**
 * One endpoint's permessage-deflate for one connection, on `node:zlib`
 * (see message.ts for the state it keeps).
 */
export function zlibDeflate(params: DeflateParams, role: 'server' | 'client', settings: DeflateSettings): MessageDeflate {
  return messageDeflate((engine ??= nodeZlibEngine(zlib)), params, role, settings);
}
