// The memory floor of owned delivery, for bench/codec.bench.mjs (issue 12's 16 KiB target): the least
// any decoder built on WebAssembly must do to hand out owned messages from a stream of masked frames.
//
// A WASM decoder can only read bytes that are in its memory, and an owned message (valid after the
// callback, as ws's are) must be in memory that is never reused, which WASM cannot write: so every such
// decoder copies each input chunk into its memory once and each message out once. This pass does those two
// copies, the unmasking, and the fastest validation available (`buffer.isUtf8`, simdutf, on the owned copy of a
// text message), and nothing else:
// - each 64 KiB chunk copied into the WASM I/O region (`TypedArray.prototype.set`, as FrameDecoder.push does);
// - each payload piece unmasked in place there by the codec's SIMD kernel (`kernels.mask`, cache-hot);
// - each message's payload copied out of the region into the decoder's own slab (`slab.take`, this checkout's
//   build: 120 KiB slabs of `Buffer.allocUnsafeSlow`, a view per message), piece by piece when it spans chunks;
// - `isUtf8` on each whole text message.
// It does not parse frames (message offsets and mask keys are computed before the pass from the stream's fixed
// frame layout), check limits or close codes, or call a callback, so every real owned decoder does more: the floor's rate
// bounds theirs, and floor ÷ ws is the best ratio to ws any of them can reach on this machine.
import { isUtf8 } from 'node:buffer';

const { kernels, IO_PTR } = await import('../../build/esm/codec/internal.js');
const { slab } = await import('../../build/esm/codec/slab.js');

/**
 * One pass of the floor over `chunks` (the stream of `count` masked frames of `bytes`-byte payloads, as
 * bench/codec.bench.mjs builds it), text when `text`; `onMessage()` is called once per message made.
 */
export function ownedFloor(chunks, count, bytes, text, onMessage) {
  // A masked client frame: 2 bytes, the extended length, the 4-byte key, the payload.
  const header = 2 + (bytes < 126 ? 0 : bytes < 65536 ? 2 : 8) + 4;
  const frame = header + bytes;
  const size = chunks[0].length;
  const byteAt = (offset) => chunks[Math.floor(offset / size)][offset % size];
  /** Each frame's mask key, as the kernel takes it (the 4 bytes little-endian). */
  const keys = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * frame + header - 4;
    keys[i] = (byteAt(at) | (byteAt(at + 1) << 8) | (byteAt(at + 2) << 16) | (byteAt(at + 3) << 24)) >>> 0;
  }
  return () => {
    const io = new Uint8Array(kernels.memory.buffer, IO_PTR, size);
    let base = 0; // the stream offset of the chunk in the region
    let message = 0;
    let owned = null; // the message being copied out
    for (const chunk of chunks) {
      io.set(chunk);
      const end = base + chunk.length;
      while (message < count) {
        const start = message * frame + header;
        if (start >= end) break;
        const from = Math.max(start, base);
        const to = Math.min(start + bytes, end);
        if (from === start) owned = slab.take(bytes);
        kernels.mask(IO_PTR + from - base, IO_PTR + from - base, to - from, keys[message], from - start);
        owned.set(io.subarray(from - base, to - base), from - start);
        if (to < start + bytes) break; // the rest is in the next chunk
        if (text && !isUtf8(owned)) throw new Error('invalid UTF-8 in the stream');
        onMessage();
        message++;
      }
      base = end;
    }
  };
}
