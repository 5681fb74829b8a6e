/**
 * The pure-JS fallback's stand-in for WASM linear memory: one fixed
 * ArrayBuffer with the same layout contract (every address comes from an
 * exported pointer function), so the codec's JS drives either implementation
 * unchanged. Regions are reserved once, at module load, like `memory.data`.
 */

/** Total bytes; raise it when the twins' static regions outgrow it. */
const HEAP_SIZE = 1 << 18;

/** Mirrors `WebAssembly.Memory`: the codec only reads `buffer`. */
export const memory = { buffer: new ArrayBuffer(HEAP_SIZE) };

/** Byte view of the whole heap, for the twins. */
export const heap = new Uint8Array(memory.buffer);

/** Heap data view (little-endian accesses like WASM's `load<u32>`). */
export const view = new DataView(memory.buffer);

// Address 0 stays unused, as in WASM, so a zero pointer is never valid.
let next = 1024;

/**
 * Reserves a zero-filled static region, like AssemblyScript's `memory.data(size, align)`.
 * Call only at module top level.
 */
export function reserve(size: number, align: number): number {
  const start = Math.ceil(next / align) * align;
  if (start + size > HEAP_SIZE) throw new Error(`wsframe fallback heap exhausted (${start + size} > ${HEAP_SIZE} bytes)`);
  next = start + size;
  return start;
}
