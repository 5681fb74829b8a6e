/** Every permessage-deflate engine the codec ships, for tests that run on each of them. */
import zlib from 'node:zlib';
import * as pako from 'pako';
import { nodeZlibEngine } from '../../src/codec/deflate/node-zlib.js';
import { type Pako, pakoEngine } from '../../src/codec/deflate/pako.js';
import type { DeflateEngine } from '../../src/codec/deflate/types.js';

export const nodeZlib: DeflateEngine = nodeZlibEngine(zlib);
export const pakoZlib: DeflateEngine = pakoEngine(pako as unknown as Pako);
export const ENGINES: readonly DeflateEngine[] = [nodeZlib, pakoZlib];
