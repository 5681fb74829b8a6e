// A raw DEFLATE compressor (RFC 1951) for permessage-deflate (RFC 7692),
// in two forms on one LZ77 and one block writer:
// - one whole message at a time, without context takeover (§7.2.1): LZ77
//   over the message alone (`deflateCompress`, the shared compressor);
// - a stream per connection with context takeover (`deflateStep`): each
//   message is matched against the last 2^windowBits bytes of the messages
//   before it, kept with the hash chains in the connection's own region.
// Each call writes one block (dynamic, fixed or stored, whichever is
// smallest) and, at a message's end, the sync flush's empty stored block.
//
// Why not zlib: for a 1 KiB message, zlib spends about half its time building
// Huffman trees (a heap per tree, pqdownheap/build_tree) and, on every
// reset, clears a 64 KiB hash table (Chromium's zlib, which Node ships,
// always uses 15 hash bits). Here the trees are built by a sort and
// Moffat-Katajainen's in-place method, and hash heads are never cleared:
// they hold stream positions (`base` + window index), and a call's base is
// above every position stored before it that is no longer in its window, so
// such entries read as empty.
//
// Its own module (build/wsframe-deflate.wasm), loaded only where a
// connection compresses: the codec's kernels do not carry it.
//
// Memory: the regions from IN to the tables below are static (memory.data),
// private to this module; the shared compressor's input and everyone's
// output live for one call. Streams' regions lie above the static data, in
// memory that wasm-compressor.ts grows and hands out (one region per stream,
// deflateStreamBytes() long, reused after the stream is closed); a stream's
// region is read and written only by calls that name it.

import {
  DEFLATE_HASH_BITS, DEFLATE_INPUT_SIZE, DEFLATE_OUTPUT_SIZE, DEFLATE_STREAM_CHUNK, DEFLATE_STREAM_HASH_BITS, DEFLATE_STREAM_HEADER,
} from './layout';

// ---- Regions ----

/** The shared compressor's window: the message to compress; 8 spare bytes so word loads near the end stay inside. */
const IN: usize = memory.data(DEFLATE_INPUT_SIZE + 8, 16);
/** The compressed output of one call; 8 spare bytes for the bit writer's word stores. */
const OUT: usize = memory.data(DEFLATE_OUTPUT_SIZE + 8, 16);
/** The shared compressor's hash heads: base + index of the latest position with each hash (u32). */
const HEAD: usize = memory.data(4 << DEFLATE_HASH_BITS, 16);
/** The shared compressor's chains: per position, the distance back to the previous one with the same hash, 0 for none (u16). */
const PREV: usize = memory.data(2 * DEFLATE_INPUT_SIZE, 16);
/** LZ77 output, one u32 per symbol: a literal byte, or (distance << 16) | length. */
const SYMS: usize = memory.data(4 * DEFLATE_INPUT_SIZE, 16);

/** Symbol frequencies (u32): literal/length (286, with room to 288), distance (30, room to 32), code length (19). */
const LFREQ: usize = memory.data(4 * 288, 16);
const DFREQ: usize = memory.data(4 * 32, 16);
const CFREQ: usize = memory.data(4 * 19, 16);
/**
 * Code lengths (u8) of the block being written, and its codes (u32): the code bit-reversed for
 * LSB-first output in the low 16 bits, its length in the high 16 (one load per symbol written).
 */
const LLEN: usize = memory.data(288, 16);
const DLEN: usize = memory.data(32, 16);
const CLEN: usize = memory.data(19, 16);
const LCODE: usize = memory.data(4 * 288, 16);
const DCODE: usize = memory.data(4 * 32, 16);
const CCODE: usize = memory.data(4 * 19, 16);
/** The fixed codes (RFC 1951 §3.2.6), built once. */
const FLLEN: usize = memory.data(288, 16);
const FDLEN: usize = memory.data(32, 16);
const FLCODE: usize = memory.data(4 * 288, 16);
const FDCODE: usize = memory.data(4 * 32, 16);
/** Literal/length then distance code lengths, as one sequence (the header codes them together). */
const LENGTHS: usize = memory.data(288 + 32, 16);
/** The header's code-length symbols (u16): symbol | extra bits' value << 8. */
const CLSYMS: usize = memory.data(2 * (288 + 32), 16);
/** Huffman build scratch: sort keys (u32, and a second array for the radix sort's passes). */
const SORTED: usize = memory.data(4 * 288, 16);
const SORTED2: usize = memory.data(4 * 288, 16);
/** Codes per length 0-16 (u32) of the block's three codes, and of the fixed ones while they are built. */
const LCOUNTS: usize = memory.data(4 * 17, 16);
const DCOUNTS: usize = memory.data(4 * 17, 16);
const CCOUNTS: usize = memory.data(4 * 17, 16);
/** The next code of each length while canonicalCodes assigns them (u32 per length 0-16). */
const NEXT_CODE: usize = memory.data(4 * 17, 16);
/** No fixed code lengths (the code-length code has none): zeros, for huffmanLengths' `fixed`. */
const NO_FIXED: usize = memory.data(19, 16);
/** The radix sort's buckets (u32). */
const BUCKETS: usize = memory.data(4 * 256, 16);

// ---- RFC 1951 tables ----

/** Length codes 257..285: base length and extra bits. */
const LBASE: usize = memory.data<u16>([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]);
const LEXTRA: usize = memory.data<u8>([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
/** Distance codes 0..29: base distance and extra bits. */
const DBASE: usize = memory.data<u16>([1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]);
const DEXTRA: usize = memory.data<u8>([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]);
/** The order code-length code lengths are sent in. */
const CLORDER: usize = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);
/** Length 3..258 → length code - 257 (u8). */
const LENGTH_CODE: usize = memory.data(259, 16);
/** Distance 1..256 → code (by distance - 1), and 257..32768 → code (by (distance - 1) >> 7). */
const DIST_CODE_NEAR: usize = memory.data(256, 16);
const DIST_CODE_FAR: usize = memory.data(256, 16);

const MIN_MATCH: u32 = 3;
/**
 * Bytes hashed per position, which a position needs after it to be hashed (and searched): the shared
 * compressor's (matches are found from 4 bytes on, 3-byte ones rarely pay, as zlib's TOO_FAR says) and a
 * stream's (with a window of earlier messages, 4-byte matches far back rarely pay either, and they crowd the
 * chains). Each is a constant in its own copy of lz77 (inlined into deflateCompress and deflateStep).
 */
const SHARED_HASH_BYTES: u32 = 4;
const STREAM_HASH_BYTES: u32 = 5;
const MAX_MATCH: u32 = 258;
/** Past this, the shared compressor's `base` is reset and its heads cleared (once per ~1.8 GB compressed). */
const BASE_LIMIT: u32 = 0x7000_0000;

function buildTables(): void {
  for (let code: u32 = 0; code < 29; code++) {
    const first = <u32>load<u16>(LBASE + (code << 1));
    const count: u32 = 1 << load<u8>(LEXTRA + code);
    for (let k: u32 = 0; k < count; k++) {
      // Code 284 could also reach 258; 285 (the last, written over it) is the one RFC 1951 means.
      if (first + k <= MAX_MATCH) store<u8>(LENGTH_CODE + first + k, <u8>code);
    }
  }
  for (let code: u32 = 0; code < 30; code++) {
    const first = <u32>load<u16>(DBASE + (code << 1)) - 1;
    const count: u32 = 1 << load<u8>(DEXTRA + code);
    for (let k: u32 = 0; k < count; k++) {
      const d = first + k;
      if (d < 256) store<u8>(DIST_CODE_NEAR + d, <u8>code);
      else store<u8>(DIST_CODE_FAR + (d >> 7), <u8>code);
    }
  }
  for (let s: u32 = 0; s < 288; s++) store<u8>(FLLEN + s, s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8);
  for (let s: u32 = 0; s < 32; s++) store<u8>(FDLEN + s, 5);
  countLengths(FLLEN, 288, LCOUNTS);
  canonicalCodes(FLLEN, FLCODE, 288, LCOUNTS);
  countLengths(FDLEN, 32, DCOUNTS);
  canonicalCodes(FDLEN, FDCODE, 32, DCOUNTS);
}
buildTables();

// ---- LZ77 state ----

/**
 * A compressor state's header, DEFLATE_STREAM_HEADER bytes of u32 fields at the start of a stream's region (the
 * shared compressor's is SHARED): the matcher's globals below are loaded from it at each call and saved back.
 */
const STREAM_BASE: u32 = 0; // stream position of window[0], plus 1: heads hold base + index, so 0 is never a position
const STREAM_END: u32 = 4; // bytes in the window
const STREAM_HASHED: u32 = 8; // window index of the first position not yet in the hash chains
const STREAM_WMASK: u32 = 12; // chain ring size - 1 (2^windowBits - 1 for a stream, whose window keeps that much history)
const STREAM_HASH_SHIFT: u32 = 16; // 32 - log2(heads)
const STREAM_WINDOW: u32 = 20; // address of the window (STREAM_WMASK + 1 + DEFLATE_STREAM_CHUNK bytes for a stream, + 8 spare)
const STREAM_PREV: u32 = 24; // address of the chains (u16 per ring slot)
const STREAM_HEAD: u32 = 28; // address of the heads (u32 each)

/** The shared compressor's state: IN, PREV and HEAD, forgotten at every call (`deflateCompress`). */
const SHARED: usize = memory.data(DEFLATE_STREAM_HEADER, 16);
store<u32>(SHARED + STREAM_BASE, 1);
store<u32>(SHARED + STREAM_WMASK, DEFLATE_INPUT_SIZE - 1);
store<u32>(SHARED + STREAM_HASH_SHIFT, 32 - DEFLATE_HASH_BITS);
store<u32>(SHARED + STREAM_WINDOW, <u32>IN);
store<u32>(SHARED + STREAM_PREV, <u32>PREV);
store<u32>(SHARED + STREAM_HEAD, <u32>HEAD);

/** The state being used, loaded by `useState` (wasm globals: the hot loops read them as if they were constants). */
let win: usize = 0;
let prev: usize = 0;
let head: usize = 0;
let wmask: u32 = 0;
let hashShift: u32 = 0;
let base: u32 = 1;
/** The farthest back a match may refer: 2^windowBits, the agreed window. */
let maxDist: u32 = 0;

function useState(state: usize, windowBits: u32): void {
  win = <usize>load<u32>(state + STREAM_WINDOW);
  prev = <usize>load<u32>(state + STREAM_PREV);
  head = <usize>load<u32>(state + STREAM_HEAD);
  wmask = load<u32>(state + STREAM_WMASK);
  hashShift = load<u32>(state + STREAM_HASH_SHIFT);
  base = load<u32>(state + STREAM_BASE);
  maxDist = 1 << (windowBits < 15 ? windowBits : 15);
}

// ---- LZ77 ----

/**
 * Records window position `pos` (which has `hashBytes` bytes after it, 4 or 5, a constant) as the latest one
 * with its hash: its head (at `heads`) gets its stream position, its chain link the distance back to the
 * previous one, 0 when that one is out of reach. Heads are u32 (`narrow` false: the shared compressor's, whose
 * entries from earlier calls, below `first`, read as empty, so a message's bytes never depend on what was
 * compressed before it) or u16 (`narrow`: a stream's, the low 16 bits of a stream position, half the memory,
 * which matters once many streams take turns in the caches). A narrow head older than 64 K positions may
 * alias a position inside the window: the link then leads to bytes with another hash, which longestMatch
 * compares before it takes them, as it does every candidate. The chain links (at `ring`, u16) are a ring
 * indexed by `origin` + pos: a stream's origin is its base, so that its slot is the stream position's, which
 * a window slide does not change; the shared compressor's is 0 (one message per call: window positions).
 * The state comes in as arguments: in the shared compressor's copy of lz77 its addresses are constants,
 * folded into the loads' offsets.
 */
// @ts-ignore: decorator
@inline function insert(window: usize, heads: usize, ring: usize, origin: u32, first: u32, mask: u32, hashBytes: u32, shift: u32, far: u32, pos: u32, narrow: bool): void {
  const hash = hashBytes == 4
    ? (load<u32>(window + pos) * 0x9e3779b1) >> shift
    : <u32>(((load<u64>(window + pos) << (64 - 8 * hashBytes)) * 0x9e3779b97f4a7c15) >> 32) >> shift;
  const here = first + pos;
  let d: u32;
  if (narrow) {
    const slot = heads + (hash << 1);
    d = (here - <u32>load<u16>(slot)) & 0xffff;
    store<u16>(slot, <u16>here);
  } else {
    const slot = heads + (hash << 2);
    const previous = load<u32>(slot);
    store<u32>(slot, here);
    d = previous >= first ? here - previous : 0;
  }
  store<u16>(ring + (((origin + pos) & mask) << 1), d <= far ? <u16>d : 0);
}

/** Bytes equal at addresses `a` and `b`, up to `limit`, the first 4 known equal (limit is at least 4). */
// @ts-ignore: decorator
@inline function matchLength(a: usize, b: usize, limit: u32): u32 {
  let n: u32 = 4;
  while (n + 8 <= limit) {
    const x = load<u64>(a + n) ^ load<u64>(b + n);
    if (x != 0) return n + (<u32>ctz(x) >> 3);
    n += 8;
  }
  while (n < limit && load<u8>(a + n) == load<u8>(b + n)) n++;
  return n;
}

/** Set by `longestMatch`: the best match's length (0 for none) and distance. */
let matchLen: u32 = 0;
let matchDist: u32 = 0;

/**
 * The longest match for `pos` (already inserted, with at least 4 bytes after it) longer than `better`,
 * along at most `chain` earlier positions with its hash, no farther back than maxDist nor before
 * the window's start (a chain may lead past either: links are only followed while they stay
 * inside), stopping at one of `nice` bytes; `end` is the input's end. The state comes in as
 * arguments (window, chain ring, ring mask): inlined into each copy of lz77, the shared
 * compressor's constant addresses fold into its loads.
 */
// @ts-ignore: decorator
@inline function longestMatch(pos: u32, end: u32, better: u32, chain: u32, nice: u32, w: usize, ring: usize, origin: u32, mask: u32): void {
  matchLen = 0;
  let limit = end - pos;
  if (limit > MAX_MATCH) limit = MAX_MATCH;
  let best = better < MIN_MATCH - 1 ? MIN_MATCH - 1 : better;
  if (best >= limit) return;
  const stopAt = nice < limit ? nice : limit;
  const reach = pos < maxDist ? pos : maxDist;
  const scan = w + pos;
  const here = origin + pos;
  const first = load<u32>(scan);
  let last = load<u8>(scan + best);
  let d = <u32>load<u16>(ring + ((here & mask) << 1));
  while (d != 0 && d <= reach) {
    const candidate = scan - d;
    if (load<u8>(candidate + best) == last && load<u32>(candidate) == first) {
      const n = matchLength(candidate, scan, limit);
      if (n > best) {
        best = n;
        matchLen = n;
        matchDist = d;
        if (n >= stopAt) return;
        last = load<u8>(scan + best);
      }
    }
    if (--chain == 0) return;
    const step = <u32>load<u16>(ring + (((here - d) & mask) << 1));
    if (step == 0) return;
    d += step;
  }
}

/** Symbols written by `lz77` so far. */
let symbols: u32 = 0;

/** Appends a literal as symbol `n` of SYMS; returns the count. */
// @ts-ignore: decorator
@inline function literal(n: u32, byte: u32): u32 {
  store<u32>(SYMS + (n << 2), byte);
  const f = LFREQ + (byte << 2);
  store<u32>(f, load<u32>(f) + 1);
  return n + 1;
}

// @ts-ignore: decorator
@inline function distanceCode(dist: u32): u32 {
  return dist <= 256 ? <u32>load<u8>(DIST_CODE_NEAR + dist - 1) : <u32>load<u8>(DIST_CODE_FAR + ((dist - 1) >> 7));
}

/** Appends a match as symbol `n` of SYMS; returns the count. */
// @ts-ignore: decorator
@inline function match(n: u32, length: u32, dist: u32): u32 {
  store<u32>(SYMS + (n << 2), (dist << 16) | length);
  const f = LFREQ + ((257 + <u32>load<u8>(LENGTH_CODE + length)) << 2);
  store<u32>(f, load<u32>(f) + 1);
  const g = DFREQ + (distanceCode(dist) << 2);
  store<u32>(g, load<u32>(g) + 1);
  return n + 1;
}

/**
 * Turns window[start, end) into SYMS and the frequencies, matching against
 * everything in the window before it too. Positions from `hashed` on are
 * inserted into the chains as they get `hashBytes` bytes after them; returns the
 * first position not inserted. Greedy (`good` 0) or, as zlib's levels 4-9,
 * lazy: a match is kept only if the next position has no longer one (not
 * tried once a match reaches `goodEnough`, tried along a quarter of the
 * chain once it reaches `good`, as zlib's good_length). Greedy matching
 * hashes the positions inside a match only up to `goodEnough` bytes long
 * (zlib's max_insert_length, the same field of its table). `narrow`: u16 heads (see insert).
 */
// @ts-ignore: decorator
@inline function lz77(
  hashed: u32, start: u32, end: u32, chain: u32, good: u32, goodEnough: u32, nice: u32,
  w: usize, h: usize, ring: usize, origin: u32, mask: u32, shift: u32, hashBytes: u32, narrow: bool,
): u32 {
  const lazy = good != 0;
  const shortChain = chain > 4 ? chain >> 2 : 1;
  const b = base;
  const far = maxDist;
  let n: u32 = 0;
  memory.fill(LFREQ, 0, 4 * 288);
  memory.fill(DFREQ, 0, 4 * 32);
  // The last positions of the input before this one: inserted now that the bytes after them are here.
  for (; hashed < start && hashed + hashBytes <= end; hashed++) insert(w, h, ring, origin, b, mask, hashBytes, shift, far, hashed, narrow);
  let pos = start;
  let prevLen: u32 = 0;
  let prevDist: u32 = 0;
  let pending = false;
  while (pos < end) {
    let curLen: u32 = 0;
    let curDist: u32 = 0;
    if (pos + hashBytes <= end) {
      insert(w, h, ring, origin, b, mask, hashBytes, shift, far, pos, narrow);
      if (prevLen < goodEnough) {
        longestMatch(pos, end, prevLen, lazy && prevLen >= good ? shortChain : chain, nice, w, ring, origin, mask);
        curLen = matchLen;
        curDist = matchDist;
      }
    }
    if (!lazy && curLen != 0) {
      n = match(n, curLen, curDist);
      const stop = pos + curLen;
      // As zlib's fastest levels: the positions inside a long match are not worth hashing.
      if (curLen <= goodEnough) for (let p = pos + 1; p < stop && p + hashBytes <= end; p++) insert(w, h, ring, origin, b, mask, hashBytes, shift, far, p, narrow);
      pos = stop;
    } else if (pending && prevLen >= MIN_MATCH && curLen <= prevLen) {
      // The match found at pos - 1 wins: send it, and hash the positions it covers.
      n = match(n, prevLen, prevDist);
      const stop = pos - 1 + prevLen;
      for (let p = pos + 1; p < stop && p + hashBytes <= end; p++) insert(w, h, ring, origin, b, mask, hashBytes, shift, far, p, narrow);
      pos = stop;
      prevLen = 0;
      pending = false;
    } else {
      if (pending) n = literal(n, <u32>load<u8>(w + pos - 1));
      if (!lazy) {
        n = literal(n, <u32>load<u8>(w + pos));
      } else {
        prevLen = curLen;
        prevDist = curDist;
        pending = true;
      }
      pos++;
    }
  }
  if (pending) n = literal(n, <u32>load<u8>(w + end - 1));
  symbols = n;
  store<u32>(LFREQ + (256 << 2), 1); // end of block
  // Skipped positions (inside long greedy matches) are not inserted later: the chains go on from the end.
  if (hashed < start) return hashed;
  return end >= start + hashBytes - 1 ? end - (hashBytes - 1) : start;
}

// ---- Huffman codes ----

/** Set by `huffmanLengths`: the symbols' bits under the fixed code lengths it was given (extra bits excluded). */
let fixedSymbolBits: u32 = 0;

/**
 * Code lengths (at most `maxBits`) for the `n` symbols with frequencies at
 * `freq` (u32), into `lengths` (u8), and how many codes have each length into
 * `counts` (u32 per length 0-16, for canonicalCodes). At least two symbols get
 * a code (zlib does the same: some decoders reject a code with a single
 * symbol). Returns the symbols' bits under these lengths, and sets
 * fixedSymbolBits to their bits under the lengths at `fixed` (extra bits
 * excluded in both): what writeBlock weighs the block types by, summed here
 * over the symbols used rather than over every symbol of the alphabet.
 */
function huffmanLengths(freq: usize, n: u32, lengths: usize, maxBits: u32, counts: usize, fixed: usize): u32 {
  memory.fill(lengths, 0, n);
  // Keys frequency << 9 | symbol (frequencies stay below 2^16: inputs are at most 32 KiB), in symbol order,
  // then sorted by frequency: stable, so ties stay in symbol order.
  let count: u32 = 0;
  let highest: u32 = 0;
  let fixedBits: u32 = 0;
  for (let s: u32 = 0; s < n; s++) {
    const f = load<u32>(freq + (s << 2));
    if (f == 0) continue;
    if (f > highest) highest = f;
    fixedBits += f * <u32>load<u8>(fixed + s);
    store<u32>(SORTED + (count++ << 2), (f << 9) | s);
  }
  // The first unused symbols get frequency 1 (their keys sort before every used one's, which the
  // insertion sort below sees: the order keys are added in does not matter to it).
  for (let s: u32 = 0; count < 2; s++) {
    if (load<u32>(freq + (s << 2)) == 0) {
      store<u32>(freq + (s << 2), 1);
      fixedBits += <u32>load<u8>(fixed + s);
      store<u32>(SORTED + (count++ << 2), (1 << 9) | s);
    }
  }
  fixedSymbolBits = fixedBits;
  if (count > 24) {
    radixPass(count, SORTED, SORTED2, 9);
    if (highest < 256) memory.copy(SORTED, SORTED2, count << 2);
    else radixPass(count, SORTED2, SORTED, 17);
  } else {
    for (let i: u32 = 1; i < count; i++) {
      const key = load<u32>(SORTED + (i << 2));
      let j = i;
      while (j > 0 && load<u32>(SORTED + ((j - 1) << 2)) > key) {
        store<u32>(SORTED + (j << 2), load<u32>(SORTED + ((j - 1) << 2)));
        j--;
      }
      store<u32>(SORTED + (j << 2), key);
    }
  }
  minimumRedundancy(count);
  // Lengths over maxBits are cut to it, then the Kraft sum is repaired by lengthening the longest
  // codes still shorter than maxBits (each step removes one unit of excess).
  memory.fill(counts, 0, 4 * 17);
  for (let i: u32 = 0; i < count; i++) {
    let l = load<u32>(WORK + (i << 2));
    if (l > maxBits) l = maxBits;
    store<u32>(counts + (l << 2), load<u32>(counts + (l << 2)) + 1);
  }
  let total: u32 = 0;
  for (let l: u32 = 1; l <= maxBits; l++) total += load<u32>(counts + (l << 2)) << (maxBits - l);
  while (total > (<u32>1 << maxBits)) {
    store<u32>(counts + (maxBits << 2), load<u32>(counts + (maxBits << 2)) - 1);
    for (let l = maxBits - 1; l > 0; l--) {
      const c = load<u32>(counts + (l << 2));
      if (c != 0) {
        store<u32>(counts + (l << 2), c - 1);
        store<u32>(counts + ((l + 1) << 2), load<u32>(counts + ((l + 1) << 2)) + 2);
        break;
      }
    }
    total--;
  }
  // The most frequent symbols (the end of SORTED) get the shortest codes.
  let bits: u32 = 0;
  let j = count;
  for (let l: u32 = 1; l <= maxBits; l++) {
    for (let c = load<u32>(counts + (l << 2)); c > 0; c--) {
      j--;
      const key = load<u32>(SORTED + (j << 2));
      store<u8>(lengths + (key & 0x1ff), <u8>l);
      bits += (key >> 9) * l;
    }
  }
  return bits;
}

/** One stable counting-sort pass over the `n` keys at `from` by their byte at bit `shift`, into `to`. */
function radixPass(n: u32, from: usize, to: usize, shift: u32): void {
  memory.fill(BUCKETS, 0, 4 * 256);
  for (let i: u32 = 0; i < n; i++) {
    const b = BUCKETS + (((load<u32>(from + (i << 2)) >> shift) & 0xff) << 2);
    store<u32>(b, load<u32>(b) + 1);
  }
  let sum: u32 = 0;
  for (let d: u32 = 0; d < 256; d++) {
    const c = load<u32>(BUCKETS + (d << 2));
    store<u32>(BUCKETS + (d << 2), sum);
    sum += c;
  }
  for (let i: u32 = 0; i < n; i++) {
    const key = load<u32>(from + (i << 2));
    const b = BUCKETS + (((key >> shift) & 0xff) << 2);
    const at = load<u32>(b);
    store<u32>(b, at + 1);
    store<u32>(to + (at << 2), key);
  }
}

/** Scratch for minimumRedundancy: one u32 per sorted symbol. */
const WORK: usize = memory.data(4 * 288, 16);

/**
 * Optimal code lengths of the `n` (≥ 2) sorted symbols in SORTED, into WORK: Moffat and
 * Katajainen, "In-place calculation of minimum-redundancy codes" (1995), in three passes over
 * one array (parent pointers, internal depths, leaf depths), no heap.
 */
function minimumRedundancy(n: u32): void {
  for (let i: u32 = 0; i < n; i++) store<u32>(WORK + (i << 2), load<u32>(SORTED + (i << 2)) >> 9);
  const a = WORK;
  // Phase 1: internal node weights, parents pointers.
  store<u32>(a, load<u32>(a) + load<u32>(a + 4));
  let root: u32 = 0;
  let leaf: u32 = 2;
  for (let next: u32 = 1; next < n - 1; next++) {
    if (leaf >= n || load<u32>(a + (root << 2)) < load<u32>(a + (leaf << 2))) {
      store<u32>(a + (next << 2), load<u32>(a + (root << 2)));
      store<u32>(a + (root << 2), next);
      root++;
    } else {
      store<u32>(a + (next << 2), load<u32>(a + (leaf << 2)));
      leaf++;
    }
    if (leaf >= n || (root < next && load<u32>(a + (root << 2)) < load<u32>(a + (leaf << 2)))) {
      store<u32>(a + (next << 2), load<u32>(a + (next << 2)) + load<u32>(a + (root << 2)));
      store<u32>(a + (root << 2), next);
      root++;
    } else {
      store<u32>(a + (next << 2), load<u32>(a + (next << 2)) + load<u32>(a + (leaf << 2)));
      leaf++;
    }
  }
  // Phase 2: internal node depths.
  store<u32>(a + ((n - 2) << 2), 0);
  for (let next = <i32>n - 3; next >= 0; next--) {
    store<u32>(a + (<u32>next << 2), load<u32>(a + (load<u32>(a + (<u32>next << 2)) << 2)) + 1);
  }
  // Phase 3: leaf depths.
  let avail: i32 = 1;
  let usedNodes: i32 = 0;
  let depth: u32 = 0;
  let r = <i32>n - 2;
  let next = <i32>n - 1;
  while (avail > 0) {
    while (r >= 0 && load<u32>(a + (<u32>r << 2)) == depth) {
      usedNodes++;
      r--;
    }
    while (avail > usedNodes) {
      store<u32>(a + (<u32>next << 2), depth);
      next--;
      avail--;
    }
    avail = 2 * usedNodes;
    depth++;
    usedNodes = 0;
  }
}

/** Counts the `n` code lengths at `lengths` per length into `counts` (u32 per length 0-16). */
function countLengths(lengths: usize, n: u32, counts: usize): void {
  memory.fill(counts, 0, 4 * 17);
  for (let s: u32 = 0; s < n; s++) {
    const l = <u32>load<u8>(lengths + s);
    store<u32>(counts + (l << 2), load<u32>(counts + (l << 2)) + 1);
  }
}

/**
 * Canonical codes (RFC 1951 §3.2.2) for the `n` code lengths at `lengths`, whose counts per length are at
 * `counts` (from huffmanLengths or countLengths), into `codes` (u32: see LCODE).
 */
function canonicalCodes(lengths: usize, codes: usize, n: u32, counts: usize): void {
  let code: u32 = 0;
  let previous: u32 = 0;
  for (let l: u32 = 1; l <= 16; l++) {
    code = (code + previous) << 1;
    previous = load<u32>(counts + (l << 2));
    store<u32>(NEXT_CODE + (l << 2), code);
  }
  for (let s: u32 = 0; s < n; s++) {
    const l = <u32>load<u8>(lengths + s);
    if (l == 0) continue;
    const c = load<u32>(NEXT_CODE + (l << 2));
    store<u32>(NEXT_CODE + (l << 2), c + 1);
    store<u32>(codes + (s << 2), (reverse16(c) >> (16 - l)) | (l << 16));
  }
}

// @ts-ignore: decorator
@inline function reverse16(x: u32): u32 {
  x = ((x & 0x5555) << 1) | ((x >> 1) & 0x5555);
  x = ((x & 0x3333) << 2) | ((x >> 2) & 0x3333);
  x = ((x & 0x0f0f) << 4) | ((x >> 4) & 0x0f0f);
  return ((x & 0x00ff) << 8) | ((x >> 8) & 0x00ff);
}

// ---- Bit output (LSB first) ----

let bitBuffer: u64 = 0;
let bitCount: u32 = 0;
let outPos: u32 = 0;

// @ts-ignore: decorator
@inline function put(bits: u32, n: u32): void {
  bitBuffer |= <u64>bits << bitCount;
  bitCount += n;
  if (bitCount >= 32) {
    store<u32>(OUT + outPos, <u32>bitBuffer);
    outPos += 4;
    bitBuffer >>= 32;
    bitCount -= 32;
  }
}

/** Pads to a byte boundary and writes out every pending bit. */
function align(): void {
  while (bitCount > 0) {
    store<u8>(OUT + outPos++, <u8>bitBuffer);
    bitBuffer >>= 8;
    bitCount = bitCount > 8 ? bitCount - 8 : 0;
  }
}

// ---- Blocks ----

/** Extra bits of the lengths and distances in SYMS. */
function extraBits(): u32 {
  let bits: u32 = 0;
  for (let c: u32 = 0; c < 29; c++) bits += load<u32>(LFREQ + ((257 + c) << 2)) * load<u8>(LEXTRA + c);
  for (let c: u32 = 0; c < 30; c++) bits += load<u32>(DFREQ + (c << 2)) * load<u8>(DEXTRA + c);
  return bits;
}

/** Code-length symbols written by `codeLengthSymbols`. */
let clCount: u32 = 0;

// @ts-ignore: decorator
@inline function clSymbol(symbol: u32, extra: u32): void {
  store<u16>(CLSYMS + (clCount++ << 1), <u16>(symbol | (extra << 8)));
  const f = CFREQ + (symbol << 2);
  store<u32>(f, load<u32>(f) + 1);
}

/** Run-length codes the `n` lengths in LENGTHS into CLSYMS (RFC 1951 §3.2.7), counting CFREQ. */
function codeLengthSymbols(n: u32): void {
  clCount = 0;
  memory.fill(CFREQ, 0, 4 * 19);
  let i: u32 = 0;
  while (i < n) {
    const l = <u32>load<u8>(LENGTHS + i);
    let run: u32 = 1;
    while (i + run < n && <u32>load<u8>(LENGTHS + i + run) == l) run++;
    i += run;
    if (l == 0) {
      while (run >= 11) {
        const r = run < 138 ? run : 138;
        clSymbol(18, r - 11);
        run -= r;
      }
      if (run >= 3) {
        clSymbol(17, run - 3);
        run = 0;
      }
    } else {
      clSymbol(l, 0);
      run--;
      while (run >= 3) {
        const r = run < 6 ? run : 6;
        clSymbol(16, r - 3);
        run -= r;
      }
    }
    for (; run > 0; run--) clSymbol(l, 0);
  }
}

/** Writes a code from a code table (see LCODE). */
// @ts-ignore: decorator
@inline function putCode(table: usize, symbol: u32): void {
  const c = load<u32>(table + (symbol << 2));
  put(c & 0xffff, c >> 16);
}

/** Writes SYMS and the end of block with the codes at `lc` (literal/length) and `dc` (distance). */
function writeSymbols(lc: usize, dc: usize): void {
  for (let i: u32 = 0; i < symbols; i++) {
    const v = load<u32>(SYMS + (i << 2));
    if (v < 256) {
      putCode(lc, v);
      continue;
    }
    // A length code and its extra bits (at most 15 + 5), then a distance code and its extra bits (15 + 13), each in one put.
    const length = v & 0xffff;
    const dist = v >> 16;
    const c = <u32>load<u8>(LENGTH_CODE + length);
    const lcode = load<u32>(lc + ((257 + c) << 2));
    const lbits = lcode >> 16;
    put((lcode & 0xffff) | ((length - <u32>load<u16>(LBASE + (c << 1))) << lbits), lbits + <u32>load<u8>(LEXTRA + c));
    const d = distanceCode(dist);
    const dcode = load<u32>(dc + (d << 2));
    const dbits = dcode >> 16;
    put((dcode & 0xffff) | ((dist - <u32>load<u16>(DBASE + (d << 1))) << dbits), dbits + <u32>load<u8>(DEXTRA + d));
  }
  putCode(lc, 256);
}

/**
 * Writes window[start, start + length), turned into SYMS by `lz77`, as one non-final block: dynamic
 * Huffman, fixed or stored, whichever is smallest.
 */
function writeBlock(start: u32, length: u32): void {
  let dynamicBits = huffmanLengths(LFREQ, 286, LLEN, 15, LCOUNTS, FLLEN);
  let fixedBits = fixedSymbolBits;
  dynamicBits += huffmanLengths(DFREQ, 30, DLEN, 15, DCOUNTS, FDLEN);
  fixedBits += fixedSymbolBits;
  let hlit: u32 = 286;
  while (hlit > 257 && load<u8>(LLEN + hlit - 1) == 0) hlit--;
  let hdist: u32 = 30;
  while (hdist > 1 && load<u8>(DLEN + hdist - 1) == 0) hdist--;
  memory.copy(LENGTHS, LLEN, hlit);
  memory.copy(LENGTHS + hlit, DLEN, hdist);
  codeLengthSymbols(hlit + hdist);
  dynamicBits += huffmanLengths(CFREQ, 19, CLEN, 7, CCOUNTS, NO_FIXED);
  let hclen: u32 = 19;
  while (hclen > 4 && load<u8>(CLEN + load<u8>(CLORDER + hclen - 1)) == 0) hclen--;

  const extra = extraBits();
  dynamicBits += 3 + 14 + 3 * hclen + extra;
  dynamicBits += 2 * load<u32>(CFREQ + (16 << 2)) + 3 * load<u32>(CFREQ + (17 << 2)) + 7 * load<u32>(CFREQ + (18 << 2));
  fixedBits += 3 + extra;
  // A stored block: 3 header bits, padding (at most 7), LEN and NLEN, the bytes.
  const storedBits: u32 = 3 + 7 + 32 + 8 * length;

  if (storedBits <= dynamicBits && storedBits <= fixedBits) {
    put(0, 3);
    align();
    store<u16>(OUT + outPos, <u16>length);
    store<u16>(OUT + outPos + 2, <u16>~length);
    memory.copy(OUT + outPos + 4, win + start, length);
    outPos += 4 + length;
  } else if (fixedBits <= dynamicBits) {
    put(1 << 1, 3);
    writeSymbols(FLCODE, FDCODE);
  } else {
    canonicalCodes(LLEN, LCODE, hlit, LCOUNTS);
    canonicalCodes(DLEN, DCODE, hdist, DCOUNTS);
    canonicalCodes(CLEN, CCODE, 19, CCOUNTS);
    put(2 << 1, 3);
    put(hlit - 257, 5);
    put(hdist - 1, 5);
    put(hclen - 4, 4);
    for (let i: u32 = 0; i < hclen; i++) put(<u32>load<u8>(CLEN + load<u8>(CLORDER + i)), 3);
    for (let i: u32 = 0; i < clCount; i++) {
      const v = <u32>load<u16>(CLSYMS + (i << 1));
      const s = v & 0xff;
      putCode(CCODE, s);
      if (s >= 16) put(v >> 8, s == 16 ? 2 : s == 17 ? 3 : 7);
    }
    writeSymbols(LCODE, DCODE);
  }
}

/** The sync flush (RFC 7692 §7.2.1): an empty stored block, byte-aligned, 00 00 ff ff last. */
function syncFlush(): void {
  put(0, 3);
  align();
  store<u32>(OUT + outPos, 0xffff0000);
  outPos += 4;
}

/**
 * Compresses IN[0, length) into OUT as permessage-deflate sends a message
 * without context takeover: one non-final block, then an empty stored block
 * (its last four bytes, 00 00 ff ff, are the ones RFC 7692 §7.2.1 strips).
 * Distances reach at most 2^windowBits back (8-15: the agreed window);
 * `chain` bounds the earlier positions tried per match, `good` chooses lazy
 * matching (0: greedy; else the match length from which a quarter of the
 * chain is tried), `goodEnough` the match length at which lazy matching stops
 * looking further (greedy: up to which the positions inside a match are
 * hashed), `nice` the one at which a search stops.
 * The result depends on the message alone. Returns the bytes written to OUT.
 */
export function deflateCompress(length: u32, windowBits: u32, chain: u32, good: u32, goodEnough: u32, nice: u32): u32 {
  if (length > DEFLATE_INPUT_SIZE) unreachable();
  useState(SHARED, windowBits);
  if (base > BASE_LIMIT) {
    // Every head entry is then older than the new base: cleared, they read as empty.
    memory.fill(HEAD, 0, 4 << DEFLATE_HASH_BITS);
    base = 1;
  }
  // Its regions and their sizes as constants: folded into the loads' offsets.
  lz77(0, 0, length, chain < 1 ? 1 : chain, good, goodEnough, nice, IN, HEAD, PREV, 0, DEFLATE_INPUT_SIZE - 1, 32 - DEFLATE_HASH_BITS, SHARED_HASH_BYTES, false);
  // The next call's positions are numbered above this one's: its heads read as empty.
  store<u32>(SHARED + STREAM_BASE, base + length);
  bitBuffer = 0;
  bitCount = 0;
  outPos = 0;
  writeBlock(0, length);
  syncFlush();
  return outPos;
}

// ---- Streams (context takeover) ----

/** A stream's window: 2^windowBits bytes of history, then room for DEFLATE_STREAM_CHUNK more, then 8 spare bytes. */
// @ts-ignore: decorator
@inline function windowBytes(windowBits: u32): u32 {
  return ((1 << windowBits) + DEFLATE_STREAM_CHUNK + 8 + 15) & ~15;
}

/** Bytes of a stream's region with a window of 2^windowBits (8-15): header, window, chains (u16 per window byte), heads. */
export function deflateStreamBytes(windowBits: u32): u32 {
  if (windowBits < 8 || windowBits > 15) unreachable();
  return DEFLATE_STREAM_HEADER + windowBytes(windowBits) + (2 << windowBits) + (2 << DEFLATE_STREAM_HASH_BITS);
}

/**
 * Starts a stream in the region at `state` (16-byte aligned, deflateStreamBytes(windowBits) long, owned by the
 * caller until it is reused): an empty history, every head empty.
 */
export function deflateStreamInit(state: usize, windowBits: u32): void {
  const window = state + DEFLATE_STREAM_HEADER;
  const chains = window + windowBytes(windowBits);
  const heads = chains + (2 << windowBits);
  store<u32>(state + STREAM_BASE, 1);
  store<u32>(state + STREAM_END, 0);
  store<u32>(state + STREAM_HASHED, 0);
  store<u32>(state + STREAM_WMASK, (1 << windowBits) - 1);
  store<u32>(state + STREAM_HASH_SHIFT, 32 - DEFLATE_STREAM_HASH_BITS);
  store<u32>(state + STREAM_WINDOW, <u32>window);
  store<u32>(state + STREAM_PREV, <u32>chains);
  store<u32>(state + STREAM_HEAD, <u32>heads);
  memory.fill(heads, 0, 2 << DEFLATE_STREAM_HASH_BITS);
}

/**
 * Where the next `length` (at most DEFLATE_STREAM_CHUNK) bytes of the stream at `state` go: its window's end,
 * after sliding the window (keeping the last 2^windowBits bytes) if they would not fit. The caller writes them
 * there, then calls deflateStep.
 */
export function deflateStreamInput(state: usize, length: u32): usize {
  if (length > DEFLATE_STREAM_CHUNK) unreachable();
  const window = <usize>load<u32>(state + STREAM_WINDOW);
  const size = load<u32>(state + STREAM_WMASK) + 1;
  const end = load<u32>(state + STREAM_END);
  if (end + length <= size + DEFLATE_STREAM_CHUNK) return window + end;
  // end > size here: the history kept is the last `size` bytes.
  const shift = end - size;
  memory.copy(window, window + shift, size);
  store<u32>(state + STREAM_BASE, load<u32>(state + STREAM_BASE) + shift);
  store<u32>(state + STREAM_END, size);
  // At most STREAM_HASH_BYTES - 1 positions before the end wait for insertion: they stay inside the kept history.
  store<u32>(state + STREAM_HASHED, load<u32>(state + STREAM_HASHED) - shift);
  return window + size;
}

/** deflateStep's flags: the first piece of a compress call (nothing pending in the bit writer), and its last (flush). */
const STEP_FIRST: u32 = 1;
const STEP_FLUSH: u32 = 2;

/**
 * Compresses the `length` bytes just written at deflateStreamInput(state, length) as the stream's next piece,
 * matched against the stream's history (context takeover, RFC 7692 §7.2.1), into OUT as one non-final block
 * (none for 0 bytes); with STEP_FLUSH, then the sync flush. Bits short of a byte carry over to the next piece
 * (STEP_FIRST starts afresh: a compress call begins after the previous one's flush). The search parameters are
 * deflateCompress's. Returns the bytes written to OUT.
 */
export function deflateStep(state: usize, length: u32, chain: u32, good: u32, goodEnough: u32, nice: u32, flags: u32): u32 {
  const end = load<u32>(state + STREAM_END);
  if (length > DEFLATE_STREAM_CHUNK || end + length > load<u32>(state + STREAM_WMASK) + 1 + DEFLATE_STREAM_CHUNK) unreachable();
  useState(state, <u32>ctz(load<u32>(state + STREAM_WMASK) + 1));
  if (flags & STEP_FIRST) {
    bitBuffer = 0;
    bitCount = 0;
  }
  outPos = 0;
  if (length > 0) {
    store<u32>(state + STREAM_HASHED, lz77(
      load<u32>(state + STREAM_HASHED), end, end + length, chain < 1 ? 1 : chain, good, goodEnough, nice,
      win, head, prev, base, wmask, hashShift, STREAM_HASH_BYTES, true,
    ));
    writeBlock(end, length);
  }
  store<u32>(state + STREAM_BASE, base);
  store<u32>(state + STREAM_END, end + length);
  if (flags & STEP_FLUSH) syncFlush();
  return outPos;
}

/** Address of the shared compressor's input region (DEFLATE_INPUT_SIZE bytes). */
export function deflateInputPtr(): usize {
  return IN;
}

/** Address of the output region (DEFLATE_OUTPUT_SIZE bytes). */
export function deflateOutputPtr(): usize {
  return OUT;
}
