/**
 * The buffer every socket in this realm reads into: the codec's I/O region in
 * WASM linear memory. Bytes there are valid only during one read callback.
 */
export { io as readBuffer } from '../codec/wasm.js';

/**
 * A Uint8Array class whose instances are Buffers: its prototype chain runs
 * through `Buffer.prototype` and its `constructor` is `Buffer`, as with Node's
 * own FastBuffer, so `Buffer.isBuffer`, every Buffer method, inspect and
 * subarray behave as for any Buffer. The decoder builds its views with it
 * (FrameDecoderOptions.viewType): a listener's Buffer is the decoder's one
 * object per message, not a second one made by `Buffer.from(arrayBuffer,
 * offset, length)`, which also costs about 20 ns of argument checks.
 */
export const BufferView = class BufferView extends Uint8Array {} as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype);
Object.defineProperty(BufferView.prototype, 'constructor', { value: Buffer, writable: true, configurable: true });
