/**
 * The `node:zlib` engine (Node, Deno and Bun all provide it). `node:zlib`'s
 * public synchronous functions (`deflateRawSync`, ...) build and initialise a
 * new zlib stream for every call (3x the cost of the compression itself for a
 * 1 KiB message, see docs/server.md). The stream classes' native handle has a
 * synchronous `writeSync` and a `reset` (the one-shot functions are built on
 * them, in Node, Deno and Bun alike), so one long-lived stream serves many
 * messages (message.ts).
 *
 * The module is passed in, not imported, so that the codec's entry never
 * imports `node:*` (load.ts finds it with `process.getBuiltinModule`).
 */
import type * as NodeZlib from 'node:zlib';
import type { DeflateEngine, RawStream } from './types.js';
import { WASM_COMPRESS_MAX } from './wasm-compressor.js';
import { WASM_INFLATE_MAX } from './wasm-inflater.js';

interface Handle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void;
  reset(): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

/** One raw DEFLATE or INFLATE stream, written synchronously through its native handle. */
class ZlibStream implements RawStream {
  private readonly handle: Handle;
  /** [output bytes left, input bytes left] after each write. */
  private readonly state: Uint32Array;
  private failed = false;
  produced = 0;
  consumed = 0;

  constructor(private readonly stream: NodeZlib.DeflateRaw | NodeZlib.InflateRaw, private readonly flushes: { sync: number; full: number }) {
    const inner = stream as unknown as { _handle?: Handle; _writeState?: Uint32Array };
    if (typeof inner._handle?.writeSync !== 'function' || typeof inner._handle.reset !== 'function' || inner._writeState === undefined) {
      throw new Error('permessage-deflate needs node:zlib streams with a synchronous handle, which this runtime lacks');
    }
    this.handle = inner._handle;
    this.state = inner._writeState;
    // zlib reports errors through this callback, synchronously inside writeSync; the stream object never sees them.
    this.handle.onerror = () => {
      this.failed = true;
    };
  }

  step(input: Uint8Array, at: number, output: Uint8Array, forget = false): boolean {
    this.handle.writeSync(forget ? this.flushes.full : this.flushes.sync, input, at, input.length - at, output, 0, output.length);
    this.produced = output.length - this.state[0];
    this.consumed = input.length - this.state[1];
    return !this.failed;
  }

  reset(): void {
    this.failed = false;
    this.handle.reset();
  }

  close(): void {
    this.stream.close();
  }
}

/**
 * The engine on `zlib` (the `node:zlib` module).
 * @throws {Error} when the runtime's `node:zlib` streams lack the synchronous native handle
 */
export function nodeZlibEngine(zlib: typeof NodeZlib): DeflateEngine {
  const flushes = { sync: zlib.constants.Z_SYNC_FLUSH, full: zlib.constants.Z_FULL_FLUSH };
  const engine: DeflateEngine = {
    name: 'node:zlib',
    // Native zlib matches the WASM module past a few KiB (docs/codec.md, "Which engine, per runtime").
    wasmMax: { compress: WASM_COMPRESS_MAX, inflate: WASM_INFLATE_MAX },
    deflater: (level, memLevel, windowBits) => new ZlibStream(zlib.createDeflateRaw({ level, memLevel, windowBits }), flushes),
    inflater: (windowBits) => new ZlibStream(zlib.createInflateRaw({ windowBits }), flushes),
  };
  // Fail here, once, rather than at a connection's first message.
  engine.inflater(15).close();
  return engine;
}
