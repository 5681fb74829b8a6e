/**
 * Reference facts about UTF-8 built from Node and the JS engine only (never
 * from wsframe's automaton): validity from `buffer.isUtf8`, and which byte
 * strings can start a character, from encoding every code point.
 */
import { isUtf8 } from 'node:buffer';

let partial: Set<number> | undefined;

/** Packs up to 3 bytes with their count, so prefixes of different lengths differ. */
function key(bytes: Uint8Array, start: number, end: number): number {
  let k = end - start;
  for (let i = start; i < end; i++) k = k * 256 + bytes[i];
  return k;
}

/** Every proper prefix (1–3 bytes) of the UTF-8 encoding of a scalar value. */
function partialCharacters(): Set<number> {
  if (partial) return partial;
  partial = new Set();
  const encoder = new TextEncoder();
  for (let cp = 0x80; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const bytes = encoder.encode(String.fromCodePoint(cp));
    for (let n = 1; n < bytes.length; n++) partial.add(key(bytes, 0, n));
  }
  return partial;
}

/** Whether `bytes[0, n)` is the start of some valid UTF-8 text. */
export function isValidPrefix(bytes: Uint8Array, n: number): boolean {
  const prefixes = partialCharacters();
  for (let tail = 0; tail <= 3 && tail <= n; tail++) {
    if (isUtf8(bytes.subarray(0, n - tail)) && (tail === 0 || prefixes.has(key(bytes, n - tail, n)))) return true;
  }
  return false;
}

/**
 * The length of the shortest prefix of `bytes` that is not the start of valid
 * UTF-8 (so the first bad byte is at this index − 1), or Infinity if every
 * prefix is. Binary search: once a prefix is bad, every longer one is too.
 */
export function firstInvalidLength(bytes: Uint8Array): number {
  if (isValidPrefix(bytes, bytes.length)) return Infinity;
  let good = 0; // bytes[0, good) is a valid prefix
  let bad = bytes.length; // bytes[0, bad) is not
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    if (isValidPrefix(bytes, mid)) good = mid;
    else bad = mid;
  }
  return bad;
}

/** Code point ranges of the scripts the property tests write in. */
export const SCRIPTS: Record<string, [number, number][]> = {
  ascii: [[0x20, 0x7e]],
  latin: [[0x20, 0x7e], [0xa0, 0x24f]],
  cyrillic: [[0x400, 0x4ff], [0x20, 0x20]],
  cjk: [[0x4e00, 0x9fff], [0x3040, 0x30ff]],
  emoji: [[0x1f300, 0x1faff], [0x2600, 0x27bf]],
  // Every length, and the code points next to each boundary and the surrogates.
  mixed: [[0x00, 0x7f], [0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xffff], [0x10000, 0x10ffff],
    [0x7f, 0x80], [0x7ff, 0x800], [0xd7fe, 0xd7ff], [0xe000, 0xe001], [0xfffe, 0x10000], [0x10fffe, 0x10ffff]],
};
