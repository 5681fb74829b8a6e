/**
 * A drop-in for the `bufferutil` package (`mask`, `unmask`), requirable by ws.
 * Unlike the native add-on it throws on bad arguments instead of corrupting memory.
 */
export { mask, unmask } from '../codec/mask.js';
