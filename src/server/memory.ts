// Imported, not the global: on Node 20 the global `Buffer` is a getter, called on every use (once per message here).
import { Buffer } from 'node:buffer';

/**
 * The buffer every socket in this realm reads into: the codec's I/O region in
 * WASM linear memory. Bytes there are valid only during one read callback.
 */
export { io as readBuffer } from '../codec/wasm.js';

/** What Node's `Buffer.prototype.subarray` reads of its receiver on Node 20 and 22 (see `viewOf`). */
interface Receiver {
  length: number;
  buffer: ArrayBufferLike;
  byteOffset: number;
}

const subarray = Buffer.prototype.subarray as (this: Receiver, start: number, end: number) => Buffer;

/**
 * The receiver `viewOf` last used: one per ArrayBuffer (a decoder's slab), its
 * fields replaced when views of another buffer are made. Never null: starts
 * on an empty buffer.
 */
const receiver: Receiver = { length: 0, buffer: new ArrayBuffer(0), byteOffset: 0 };

/**
 * A Buffer over `buffer[byteOffset, byteOffset + length)`, no copy. Node 20 and
 * 22 implement `Buffer.prototype.subarray` in JavaScript: it reads `length`,
 * `buffer` and `byteOffset` off its receiver and constructs Node's internal
 * `FastBuffer` (the class behind every Buffer) over them. Called on a plain
 * object with those three fields it builds the Buffer without what
 * `Buffer.from(arrayBuffer, …)` adds per call: a C++ `isAnyArrayBuffer` check
 * and the `byteLength` getter (about 6-10 ns of a 30-35 ns view,
 * bench/results/echo-profile.md §10). Node 24+ reads `length` through the
 * TypedArray getter, which refuses such a receiver: `fromBuffer` (`Buffer.from`) there, chosen once by `probe`.
 */
function subarrayView(buffer: ArrayBufferLike, byteOffset: number, length: number): Buffer {
  if (receiver.buffer !== buffer) {
    receiver.buffer = buffer;
    receiver.length = buffer.byteLength;
  }
  // Out of range: Buffer.from's RangeError (subarray would clamp the view, or count a negative offset from the end).
  if (byteOffset < 0 || byteOffset + length > receiver.length) return Buffer.from(buffer, byteOffset, length);
  return subarray.call(receiver, byteOffset, byteOffset + length);
}

function fromBuffer(buffer: ArrayBufferLike, byteOffset: number, length: number): Buffer {
  return Buffer.from(buffer, byteOffset, length);
}

/** Whether `subarrayView` makes exactly the Buffer `Buffer.from` makes, on this runtime. */
function probe(): boolean {
  try {
    const bytes = new ArrayBuffer(64);
    const view = subarrayView(bytes, 8, 16);
    const ok = Object.getPrototypeOf(view) === Buffer.prototype && view.buffer === bytes && view.byteOffset === 8 && view.length === 16;
    receiver.buffer = new ArrayBuffer(0); // hold nothing of the probe
    receiver.length = 0;
    return ok;
  } catch {
    return false;
  }
}

const viewOf = probe() ? subarrayView : fromBuffer;

/**
 * Makes the decoder's message views (FrameDecoderOptions.viewType) as Buffers
 * whose prototype is `Buffer.prototype` itself, so `assert.deepStrictEqual`
 * (which compares prototypes) finds a message equal to an equal Buffer. A
 * Uint8Array subclass whose prototype merely inherits from Buffer's is faster
 * to build (about 20-35 ns against 50-60 ns here) but fails that comparison;
 * `Reflect.construct` with a Buffer prototype is about 500-800 ns in V8.
 */
class BufferViews extends Uint8Array {
  // A derived constructor that returns an object without calling super(): `new` then allocates no receiver
  // object, which `new` on a plain function does (and drops) for every message where the call is not inlined.
  // @ts-expect-error TS2377: no super() call, on purpose (see above)
  constructor(buffer: ArrayBufferLike, byteOffset: number, length: number) {
    return viewOf(buffer, byteOffset, length) as unknown as BufferViews;
  }
}
export const BufferView = BufferViews as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;
