// The cross-runtime benchmark's workload, the same in every runtime: UTF-8
// validation (wsframe vs the runtime's fatal TextDecoder, buffer.isUtf8 where
// it exists, and a plain-JS loop) and masking (wsframe vs a plain-JS loop).
// No runtime APIs here: each runner passes its natives and its clock.

/** Sizes × inputs for validation; the target is about non-ASCII at ≥ 4 KiB. */
export const UTF8_SIZES = [4096, 65536];
export const MASK_SIZES = [1024, 65536];

/** Deterministic valid text: ASCII only, or a 1–4-byte mix (Latin, Greek, CJK, emoji). */
export function text(kind, bytes) {
  const pieces = kind === 'ascii' ? ['The quick brown fox jumps over the lazy dog. '] : ['aé', 'ж', '€', '漢字', '😀', 'ü', 'Ω', 'x'];
  const encoder = new TextEncoder();
  const out = new Uint8Array(bytes);
  let at = 0;
  for (let i = 0; ; i++) {
    const piece = encoder.encode(pieces[i % pieces.length]);
    if (at + piece.length > bytes) break;
    out.set(piece, at);
    at += piece.length;
  }
  out.fill(0x20, at); // pad with spaces: still valid
  return out;
}

/**
 * ws's pure-JS validator (lib/validation.js `_isValidUTF8`), restated: what a
 * runtime without native help runs.
 */
export function jsIsValidUTF8(buf) {
  const len = buf.length;
  let i = 0;
  while (i < len) {
    const b = buf[i];
    if ((b & 0x80) === 0) i++;
    else if ((b & 0xe0) === 0xc0) {
      if (i + 1 === len || (buf[i + 1] & 0xc0) !== 0x80 || (b & 0xfe) === 0xc0) return false;
      i += 2;
    } else if ((b & 0xf0) === 0xe0) {
      if (i + 2 >= len || (buf[i + 1] & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80 ||
        (b === 0xe0 && (buf[i + 1] & 0xe0) === 0x80) || (b === 0xed && (buf[i + 1] & 0xe0) === 0xa0)) return false;
      i += 3;
    } else if ((b & 0xf8) === 0xf0) {
      if (i + 3 >= len || (buf[i + 1] & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80 || (buf[i + 3] & 0xc0) !== 0x80 ||
        (b === 0xf0 && (buf[i + 1] & 0xf0) === 0x80) || (b === 0xf4 && buf[i + 1] > 0x8f) || b > 0xf4) return false;
      i += 4;
    } else return false;
  }
  return true;
}

/** ws's pure-JS masking loop (lib/buffer-util.js `_mask`), restated. */
export function jsMask(source, mask, output, offset, length) {
  for (let i = 0; i < length; i++) output[offset + i] = source[i] ^ mask[i & 3];
}

/**
 * The benchmark tasks: `{ id, group, input, bytes, name, run }`; `run()` does
 * one operation and returns something the optimizer cannot drop.
 * @param codec the wsframe module as this runtime loads it
 * @param natives `{ isUtf8? }` where the runtime has it
 */
export function tasks(codec, natives = {}) {
  const list = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const input of ['mixed', 'ascii']) {
    for (const bytes of UTF8_SIZES) {
      const data = text(input, bytes);
      const add = (name, run) => list.push({ id: list.length, group: 'utf8', input, bytes, name, run });
      add('wsframe isValidUTF8', () => codec.isValidUTF8(data));
      add('TextDecoder fatal', () => decoder.decode(data).length);
      if (natives.isUtf8) add('buffer.isUtf8', () => natives.isUtf8(data));
      add('plain JS loop', () => jsIsValidUTF8(data));
    }
  }
  const key = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
  for (const bytes of MASK_SIZES) {
    const source = text('mixed', bytes);
    const output = new Uint8Array(bytes);
    const add = (name, run) => list.push({ id: list.length, group: 'mask', input: 'random', bytes, name, run });
    add('wsframe mask', () => (codec.mask(source, key, output, 0, bytes), output[0]));
    add('plain JS loop', () => (jsMask(source, key, output, 0, bytes), output[0]));
  }
  // Each validator must agree before it is timed.
  for (const task of list) if (task.group === 'utf8' && !task.run()) throw new Error(`${task.name} rejected valid text`);
  return list;
}

/** Runs `task` `iterations` times. */
export function repeat(task, iterations) {
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink ^= Number(task.run());
  return sink;
}

/** Iterations of `task` that take about `batchMs` on the clock `time(task, n)` (ms for n runs). */
export async function calibrate(task, time, batchMs) {
  let iterations = 1;
  for (;;) {
    const elapsed = await time(task, iterations);
    if (elapsed >= batchMs / 2 || iterations > 1e8) return iterations;
    iterations *= elapsed < 1 ? 8 : 2;
  }
}

/**
 * Throughput in GB/s of every task: each is calibrated to batches of about
 * `budgetMs / rounds`, then the rounds go over all tasks in turn (so load on
 * a shared machine hits wsframe and its anchors alike) and each task keeps
 * its best batch. `time(task, n)` returns the ms that n runs of `task` take.
 */
export async function measureAll(list, time, { budgetMs = 400, rounds = 7 } = {}) {
  const batchMs = budgetMs / rounds;
  const iterations = [];
  for (const task of list) iterations.push(await calibrate(task, time, batchMs));
  const best = list.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < list.length; i++) best[i] = Math.min(best[i], (await time(list[i], iterations[i])) / iterations[i]);
  }
  return list.map(({ run, ...task }, i) => ({ ...task, gbps: task.bytes / (best[i] / 1000) / 1e9 }));
}

/** Every task measured in process with the clock `now()` (ms). */
export function runAll(codec, natives, now, options) {
  const time = (task, n) => {
    const start = now();
    repeat(task, n);
    return now() - start;
  };
  return measureAll(tasks(codec, natives), time, options);
}
