/**
 * The buffer every socket in this realm reads into: the codec's I/O region in
 * WASM linear memory. Bytes there are valid only during one read callback.
 */
export { io as readBuffer } from '../codec/wasm.js';
