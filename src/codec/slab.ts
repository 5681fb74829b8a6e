/**
 * JavaScript memory for decoded payloads, handed out from shared slabs so a
 * message costs a view, not an ArrayBuffer: each ArrayBuffer allocation costs
 * about 1 µs however small (measured), more than decoding a 1 KiB frame.
 *
 * Every byte a caller is given is written by the codec before it is exposed.
 * Where the runtime has Node's `Buffer`, slabs are not zero-filled (like the
 * buffers Node's sockets read into): the bytes of a slab outside a caller's
 * view may hold old heap contents, reachable through `view.buffer`.
 */

/**
 * Bytes per slab: large enough to amortize the allocation, small enough that one retained view pins little, and
 * below glibc's default mmap threshold (128 KiB, which includes malloc's chunk header). A slab of exactly 128 KiB
 * was mmapped fresh whenever that threshold was in force (the first slabs, or any process started with a MALLOC_*
 * variable, which turns its dynamic raise off), so every page of every slab faulted in once more: at 64 KiB echo,
 * 16 faults per message and a saturated server (bench/results/round3.md). Below the threshold, slabs come from
 * malloc's heap, whose freed pages are reused.
 */
export const SLAB_SIZE = 120 * 1024;

type NodeBuffer = { allocUnsafeSlow(size: number): Uint8Array };
const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/** A new, unpooled Uint8Array of `size` bytes (not zero-filled where Node's Buffer is available). */
export const allocRaw: (size: number) => Uint8Array =
  typeof nodeBuffer?.allocUnsafeSlow === 'function'
    ? (size) => {
        const b = nodeBuffer.allocUnsafeSlow(size);
        return new Uint8Array(b.buffer, b.byteOffset, b.length);
      }
    : (size) => new Uint8Array(size);

export class Slab {
  /** The current slab; `reserve` may replace it. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Bytes of `bytes` handed out so far. */
  used = 0;
  /**
   * `bytes.buffer` and `bytes.byteOffset`, kept as plain fields: V8 (11.3) calls the LoadIC builtin for a typed
   * array's `buffer` and `byteOffset` getters where the decoder reads them once per socket read.
   */
  buffer: ArrayBufferLike = this.bytes.buffer;
  offset = 0;

  /** Bytes left in the current slab: a reservation of up to this many is placed right after the last. */
  get room(): number {
    return this.bytes.length - this.used;
  }

  /**
   * Reserves `size` bytes in `this.bytes` and returns their offset. A request
   * larger than the space left starts a new slab (of its own size if larger than
   * SLAB_SIZE), so read `bytes` after calling.
   */
  reserve(size: number): number {
    if (size > this.bytes.length - this.used) {
      this.bytes = allocRaw(Math.max(size, SLAB_SIZE));
      this.buffer = this.bytes.buffer;
      this.offset = this.bytes.byteOffset;
      this.used = 0;
    }
    const at = this.used;
    this.used = at + size;
    return at;
  }

  /**
   * `size` fresh bytes as their own view. Past half a slab that does not fit in the current slab's room, a buffer
   * of its own size (the current slab is kept): a new slab for it would leave the rest unused (a 64 KiB message
   * took a 120 KiB slab and left 56 KiB of it, bench/results/echo-profile.md §15).
   */
  take(size: number): Uint8Array {
    if (size > SLAB_SIZE / 2 && size > this.bytes.length - this.used) return allocRaw(size);
    const at = this.reserve(size);
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + at, size);
  }
}

/** The slab shared by every decoder and encoder of this realm (never reused: views stay valid). */
export const slab = new Slab();

/**
 * Reused memory for decoders in transient mode, whose views are valid only
 * during their callback: no fresh memory per message, so it stays in cache
 * and never page-faults. Only a decode that starts while no callback is running
 * anywhere may use it (see FrameDecoder); it is recycled once the callbacks of
 * that decode have run.
 */
export const scratch = {
  bytes: allocRaw(256 * 1024),
  used: 0,
  /** Deliveries (callback loops) running in this realm. */
  deliveries: 0,
};
