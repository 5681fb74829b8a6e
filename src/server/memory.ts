/**
 * The buffer every socket in this realm reads into: the codec's I/O region in
 * WASM linear memory. Bytes there are valid only during one read callback.
 */
export { io as readBuffer } from '../codec/wasm.js';

/**
 * Makes Uint8Arrays that are Buffers: their prototype is `Buffer.prototype`
 * itself and their `constructor` is `Buffer`, as with Node's own FastBuffer,
 * so `Buffer.isBuffer`, every Buffer method, inspect and subarray behave as for
 * any Buffer, and `assert.deepStrictEqual` (which compares prototypes) finds a
 * message equal to an equal Buffer. The decoder builds its views with it
 * (FrameDecoderOptions.viewType): a listener's Buffer is the decoder's one
 * object per message, not a second one made by `Buffer.from(arrayBuffer,
 * offset, length)`, which also costs about 20 ns of argument checks.
 */
export const BufferView = function BufferView(buffer: ArrayBufferLike, byteOffset: number, length: number): Buffer {
  return Reflect.construct(Uint8Array, [buffer, byteOffset, length], Buffer) as Buffer;
} as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;
