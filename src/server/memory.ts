// Imported, not the global: on Node 20 the global `Buffer` is a getter, called on every use (once per message here).
import { Buffer } from 'node:buffer';

/**
 * The buffer every socket in this realm reads into: the codec's I/O region in
 * WASM linear memory. Bytes there are valid only during one read callback.
 */
export { io as readBuffer } from '../codec/wasm.js';

/**
 * Makes the decoder's message views (FrameDecoderOptions.viewType) as Buffers
 * whose prototype is `Buffer.prototype` itself, so `assert.deepStrictEqual`
 * (which compares prototypes) finds a message equal to an equal Buffer. A
 * Uint8Array subclass whose prototype merely inherits from Buffer's is faster
 * to build (about 20-35 ns against 50-60 ns here) but fails that comparison;
 * `Reflect.construct` with a Buffer prototype is about 800 ns in V8.
 */
class BufferViews extends Uint8Array {
  // A derived constructor that returns an object without calling super(): `new` then allocates no receiver
  // object, which `new` on a plain function does (and drops) for every message where the call is not inlined.
  // @ts-expect-error TS2377: no super() call, on purpose (see above)
  constructor(buffer: ArrayBufferLike, byteOffset: number, length: number) {
    return Buffer.from(buffer, byteOffset, length) as unknown as BufferViews;
  }
}
export const BufferView = BufferViews as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;
