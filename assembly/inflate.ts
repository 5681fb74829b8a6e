// A raw DEFLATE decompressor (RFC 1951) for permessage-deflate (RFC 7692
// §7.2.2), for messages whose sender does not take over its context: each
// message is one stream of its own (its payload, then 00 00 ff ff), inflated
// with no state kept from the message before.
//
// Why: a small message costs node:zlib a call into C++ (about 0.4 µs), a
// reset (another call) and decoding tables for its dynamic block (a third of
// its inflate time at 1 KiB). Here a message is one call, each code's table is
// one level (a 9-bit root for literals and lengths, 7 bits for distances: the
// rare longer codes are decoded canonically, bit by bit, instead of through
// sub-tables), and runs of literals are decoded two at a time. Its decoding
// loop is slower than zlib's inflate_fast per output byte, so beside native
// zlib it only gets small messages; beside pako (browsers, workerd) it gets
// every message of up to INFLATE_INPUT_SIZE compressed bytes (measured in
// docs/codec.md, "Which engine, per runtime").
//
// It accepts and rejects exactly what node:zlib does when the codec drives it
// (raw inflate, Z_SYNC_FLUSH, a 15-bit window; test/codec/deflate-inflate.test.ts
// compares both on random valid, corrupted and truncated streams):
// - the same checks, each made once the bits zlib reads before making it are
//   there (zlib waits for more input otherwise): block type 3, stored lengths,
//   too many length or distance codes, an over-subscribed or incomplete code
//   (one code of one bit is allowed for literals and for distances; no
//   distance code at all is allowed until a distance is decoded), a bad
//   repeat of code lengths, no end-of-block code, length symbols 286 and 287
//   and distance codes 30 and 31 (possible only in fixed blocks), a distance
//   reaching before the message's first byte;
// - input that ends mid-block is accepted with the output of every symbol
//   decoded whole (zlib's with Z_SYNC_FLUSH: it waits for input that never
//   comes), and anything after a final block is ignored.
//
// Memory: IN (the message, its trailer, zero padding) and OUT (the window of
// history, then one call's output) are static regions of this module, as are
// the tables; everything is for one message at a time (the caller inflates a
// message to its end, or drops it, before starting another). Reads stay
// inside IN (every read is at most 8 bytes from a bit position inside the
// input, and 16 zero bytes follow it); writes stay inside OUT (a call stops
// while 258 bytes, the longest match, are left, and match copies overrun by
// at most 7 bytes into OUT's spare bytes); distances are checked against the
// output before they are used.

import { INFLATE_DONE, INFLATE_ERROR, INFLATE_INPUT_SIZE, INFLATE_MORE, INFLATE_OUTPUT_SIZE, INFLATE_WINDOW } from './layout';

// ---- Regions ----

/** The message's compressed bytes, its trailer 00 00 ff ff, then zero padding for 8-byte reads past the end. */
const IN: usize = memory.data(INFLATE_INPUT_SIZE + 4 + 16, 16);
/** INFLATE_WINDOW bytes of history, then one call's output; 16 spare bytes for match copies' 8-byte stores. */
const OUT: usize = memory.data(INFLATE_WINDOW + INFLATE_OUTPUT_SIZE + 16, 16);
/** Where each call's output starts. */
const FRESH: usize = OUT + INFLATE_WINDOW;
/** A call stops before decoding a symbol past this: the longest match still fits. */
const OUT_LIMIT: usize = FRESH + INFLATE_OUTPUT_SIZE - 258;

/** Root bits of each code's lookup table: literal/length, distance, code-length codes (whose codes are at most 7 bits). */
const LROOT: u32 = 9;
const DROOT: u32 = 7;
const CROOT: u32 = 7;

/**
 * A decoding table: 2^root entries (u32), then per code length 0..15 its number of codes (u16), then the symbols of
 * codes longer than the root at their slots in canonical order (u16): the latter two decode those codes. Entries are value << 16 | op << 8 | bits:
 * `bits` is the code's length; `op` says what the code is (below); `value` is a literal byte, a length or distance
 * base, or a code length.
 */
const LTABLE: usize = memory.data((4 << LROOT) + 32 + 2 * 288, 16);
const DTABLE: usize = memory.data((4 << DROOT) + 32 + 2 * 32, 16);
const CTABLE: usize = memory.data((4 << CROOT) + 32 + 2 * 19, 16);
/** The fixed codes' tables (RFC 1951 §3.2.6), built once. */
const FIXED_LTABLE: usize = memory.data((4 << LROOT) + 32 + 2 * 288, 16);
const FIXED_DTABLE: usize = memory.data((4 << DROOT) + 32 + 2 * 32, 16);

/** `op`: a literal byte (0); a length or distance base with OP_BASE + n extra bits; end of block; no such code; a code longer than the root. */
const OP_LITERAL: u32 = 0;
const OP_BASE: u32 = 16;
const OP_END: u32 = 32;
const OP_INVALID: u32 = 64;
const OP_LONG: u32 = 128;

/** Each symbol's entry without its length: literal/length symbols 0..287, distance symbols 0..31, code-length symbols 0..18. */
const LSYMBOL: usize = memory.data(4 * 288, 16);
const DSYMBOL: usize = memory.data(4 * 32, 16);
const CSYMBOL: usize = memory.data(4 * 19, 16);

/** A dynamic block's code lengths: literal/length, then distance, as its header sends them (u8). */
const LENGTHS: usize = memory.data(288 + 32, 16);
/** Scratch for building a table, per length (u16): the next code, and the next slot in canonical order. */
const NEXT_CODE: usize = memory.data(2 * 16, 16);
const OFFSETS: usize = memory.data(2 * 16, 16);

/** The order code-length code lengths are sent in. */
const CLORDER: usize = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);
/** Length symbols 257..285 and distance symbols 0..29: base and extra bits. */
const LBASE: usize = memory.data<u16>([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]);
const LEXTRA: usize = memory.data<u8>([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
const DBASE: usize = memory.data<u16>([1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]);
const DEXTRA: usize = memory.data<u8>([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]);
/** Bytes bit-reversed. */
const REVERSED: usize = memory.data(256, 16);

// ---- Tables ----

/** Code kinds for `buildTable`: zlib lets a literal/length or distance code be incomplete only with a single 1-bit code. */
const CODE_LENGTHS: u32 = 0;
const CODE_SYMBOLS: u32 = 1;

/** `code`'s low `length` bits, reversed (DEFLATE sends Huffman codes from their first bit, read here LSB first). */
// @ts-ignore: decorator
@inline function reverse(code: u32, length: u32): u32 {
  return ((<u32>load<u8>(REVERSED + (code & 0xff)) << 8) | load<u8>(REVERSED + (code >> 8))) >> (16 - length);
}

/**
 * Builds the table at `table` (root `root` bits) for the code whose `n` symbol lengths (u8) are at `lengths`,
 * entries from `symbols` (u32 per symbol). Returns false for a set of lengths zlib refuses: over-subscribed, or
 * incomplete (for CODE_SYMBOLS, except a single code of 1 bit). No code at all (every length 0) is accepted:
 * every entry is then an invalid 1-bit code, as zlib reports it once such a code is read.
 */
function buildTable(lengths: usize, n: u32, table: usize, root: u32, symbols: usize, kind: u32): bool {
  const counts = table + (4 << root);
  const sorted = counts + 32;
  // Stores, not memory.fill: V8 calls out of the module for a bulk-memory instruction.
  store<u64>(counts, 0);
  store<u64>(counts, 0, 8);
  store<u64>(counts, 0, 16);
  store<u64>(counts, 0, 24);
  for (let s: u32 = 0; s < n; s++) {
    // Most of a block's 257+ literal/length symbols have no code (a text uses few byte values): skip them 8 at once.
    if (s + 8 <= n && load<u64>(lengths + s) == 0) {
      s += 7;
      continue;
    }
    const at = counts + (<usize>load<u8>(lengths + s) << 1);
    store<u16>(at, load<u16>(at) + 1);
  }
  // Per length: its first canonical code (RFC 1951 §3.2.2) and, for codes longer than the root, the first slot of
  // its symbols in canonical order (`decodeLong`).
  let left: i32 = 1;
  let max: u32 = 0;
  let code: u32 = 0;
  let offset: u32 = 0;
  let previous: u32 = 0;
  for (let len: u32 = 1; len <= 15; len++) {
    const count = <u32>load<u16>(counts + (len << 1));
    left = (left << 1) - <i32>count;
    if (left < 0) return false;
    if (count != 0) max = len;
    code = (code + previous) << 1;
    previous = count;
    store<u16>(NEXT_CODE + (len << 1), <u16>code);
    store<u16>(OFFSETS + (len << 1), <u16>offset);
    offset += count;
  }
  const size: u32 = 1 << root;
  if (max == 0 || left > 0) {
    if (max != 0 && (kind == CODE_LENGTHS || max != 1)) return false;
    // No code, or one 1-bit code: the unused patterns are invalid 1-bit codes.
    const invalid = (OP_INVALID << 8) | 1;
    for (let i: u32 = 0; i < size; i++) store<u32>(table + (i << 2), invalid);
    if (max == 0) return true;
  }
  // Each code of up to `root` bits fills every entry whose low bits it is; a longer code marks its root prefix.
  for (let s: u32 = 0; s < n; s++) {
    if (s + 8 <= n && load<u64>(lengths + s) == 0) {
      s += 7;
      continue;
    }
    const len = <u32>load<u8>(lengths + s);
    if (len == 0) continue;
    const next = NEXT_CODE + (len << 1);
    const c = <u32>load<u16>(next);
    store<u16>(next, <u16>(c + 1));
    if (len <= root) {
      const entry = load<u32>(symbols + (s << 2)) | len;
      // Two entries per step: a code shorter than the root fills an even number of them.
      const step: usize = 4 << len;
      let at = table + (reverse(c, len) << 2);
      const stop = table + (size << 2);
      if (len == root) {
        store<u32>(at, entry);
      } else {
        do {
          store<u32>(at, entry);
          store<u32>(at + step, entry);
          at += step << 1;
        } while (at < stop);
      }
    } else {
      store<u32>(table + (reverse(c >> (len - root), root) << 2), (OP_LONG << 8) | root);
      const slot = OFFSETS + (len << 1);
      const k = <u32>load<u16>(slot);
      store<u16>(sorted + (k << 1), <u16>s);
      store<u16>(slot, <u16>(k + 1));
    }
  }
  return true;
}

/** The entry of a code longer than `table`'s root, its first bits at the low end of `bits` (RFC 1951 §3.2.2, bit by bit). */
function decodeLong(table: usize, root: u32, symbols: usize, bits: u64): u32 {
  const counts = table + (4 << root);
  let code: i32 = 0;
  let first: i32 = 0;
  let index: i32 = 0;
  for (let len: u32 = 1; len <= 15; len++) {
    code |= <i32>(bits & 1);
    bits >>= 1;
    const count = <i32>load<u16>(counts + (len << 1));
    if (code - first < count) return load<u32>(symbols + (<usize>load<u16>(counts + 32 + ((index + code - first) << 1)) << 2)) | len;
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  // Unreachable: a code with codes longer than the root is complete.
  return (OP_INVALID << 8) | 15;
}

/** The entry of the code at the low end of `bits` in `table` (root `root` bits, entries from `symbols`). */
// @ts-ignore: decorator
@inline function lookup(table: usize, root: u32, symbols: usize, bits: u64): u32 {
  const entry = load<u32>(table + ((<u32>bits & ((1 << root) - 1)) << 2));
  return ((entry >> 8) & 0xff) == OP_LONG ? decodeLong(table, root, symbols, bits) : entry;
}

function buildStatic(): void {
  for (let b: u32 = 0; b < 256; b++) {
    let r: u32 = 0;
    for (let i: u32 = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
    store<u8>(REVERSED + b, <u8>r);
  }
  for (let s: u32 = 0; s < 288; s++) {
    let entry: u32 = OP_INVALID << 8;
    if (s < 256) entry = s << 16;
    else if (s == 256) entry = OP_END << 8;
    else if (s < 286) entry = (<u32>load<u16>(LBASE + ((s - 257) << 1)) << 16) | ((OP_BASE + load<u8>(LEXTRA + s - 257)) << 8);
    store<u32>(LSYMBOL + (s << 2), entry);
  }
  for (let s: u32 = 0; s < 32; s++) {
    store<u32>(DSYMBOL + (s << 2), s < 30 ? (<u32>load<u16>(DBASE + (s << 1)) << 16) | ((OP_BASE + load<u8>(DEXTRA + s)) << 8) : OP_INVALID << 8);
  }
  for (let s: u32 = 0; s < 19; s++) store<u32>(CSYMBOL + (s << 2), s << 16);
  for (let s: u32 = 0; s < 288; s++) store<u8>(LENGTHS + s, s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8);
  buildTable(LENGTHS, 288, FIXED_LTABLE, LROOT, LSYMBOL, CODE_SYMBOLS);
  memory.fill(LENGTHS, 5, 32);
  buildTable(LENGTHS, 32, FIXED_DTABLE, DROOT, DSYMBOL, CODE_SYMBOLS);
}
buildStatic();

// ---- Decoding ----

/** Where decoding is: reading a block header, inside a stored block, inside a Huffman block. */
const AT_HEADER: u32 = 0;
const AT_STORED: u32 = 1;
const AT_HUFFMAN: u32 = 2;

/** The message's state between calls (one message at a time, see the header comment). */
let pos: u32 = 0; // bits of the input read
let inBits: u32 = 0; // bits of input: the message and its trailer
let out: usize = FRESH; // where the next output byte goes
let oldest: usize = FRESH; // the message's first output byte still in OUT (a distance may reach back to it)
let mode: u32 = AT_HEADER;
let last: bool = false; // the block being decoded is the final one
let storedLeft: u32 = 0; // bytes of the stored block not yet copied
let ltable: usize = LTABLE; // the Huffman block's tables
let dtable: usize = DTABLE;

/** The result for `status`, with the bytes this call wrote. */
// @ts-ignore: decorator
@inline function result(status: u32): i32 {
  return <i32>(((out - FRESH) << 2) | status);
}

/** 64 bits of input from bit `at` (at most inBits); the first 57 are input or the zeros after it. */
// @ts-ignore: decorator
@inline function peek(at: u32): u64 {
  return load<u64>(IN + (at >> 3)) >> (at & 7);
}

/**
 * Reads a block header and, for a dynamic block, its codes. Returns INFLATE_MORE when the block is ready to decode
 * (mode set), INFLATE_DONE when the input ends first, INFLATE_ERROR for an invalid header.
 */
function header(): u32 {
  let p = pos;
  if (p + 3 > inBits) return INFLATE_DONE;
  const bits = <u32>peek(p);
  last = (bits & 1) != 0;
  const type = (bits >> 1) & 3;
  p += 3;
  if (type == 0) {
    p = (p + 7) & ~7;
    if (p + 32 > inBits) return INFLATE_DONE;
    const lengths = <u32>peek(p);
    if ((lengths & 0xffff) != (~lengths >>> 16)) return INFLATE_ERROR;
    pos = p + 32;
    storedLeft = lengths & 0xffff;
    mode = AT_STORED;
    return INFLATE_MORE;
  }
  if (type == 1) {
    pos = p;
    ltable = FIXED_LTABLE;
    dtable = FIXED_DTABLE;
    mode = AT_HUFFMAN;
    return INFLATE_MORE;
  }
  if (type == 3) return INFLATE_ERROR;
  if (p + 14 > inBits) return INFLATE_DONE;
  const counts = <u32>peek(p);
  const nlen: u32 = 257 + (counts & 31);
  const ndist: u32 = 1 + ((counts >> 5) & 31);
  const ncode: u32 = 4 + ((counts >> 10) & 15);
  if (nlen > 286 || ndist > 30) return INFLATE_ERROR;
  p += 14;
  if (p + 3 * ncode > inBits) return INFLATE_DONE;
  for (let i: u32 = 0; i < 19; i++) store<u8>(LENGTHS + i, 0);
  for (let i: u32 = 0; i < ncode; i++, p += 3) store<u8>(LENGTHS + load<u8>(CLORDER + i), <u8>(<u32>peek(p) & 7));
  if (!buildTable(LENGTHS, 19, CTABLE, CROOT, CSYMBOL, CODE_LENGTHS)) return INFLATE_ERROR;
  const total = nlen + ndist;
  let have: u32 = 0;
  while (have < total) {
    const bits = peek(p);
    const entry = load<u32>(CTABLE + ((<u32>bits & ((1 << CROOT) - 1)) << 2));
    const len = entry & 0xff;
    const symbol = entry >> 16;
    if (symbol < 16) {
      // zlib reads a code of no code-length code (every length 0) as the 1-bit length 0: so does the table.
      if (p + len > inBits) return INFLATE_DONE;
      store<u8>(LENGTHS + have++, <u8>symbol);
      p += len;
      continue;
    }
    const extra: u32 = symbol == 16 ? 2 : symbol == 17 ? 3 : 7;
    if (p + len + extra > inBits) return INFLATE_DONE;
    if (symbol == 16 && have == 0) return INFLATE_ERROR;
    const repeat: u32 = (symbol == 18 ? 11 : 3) + (<u32>(bits >> len) & ((1 << extra) - 1));
    if (have + repeat > total) return INFLATE_ERROR;
    const value: u8 = symbol == 16 ? load<u8>(LENGTHS + have - 1) : 0;
    for (let i: u32 = 0; i < repeat; i++) store<u8>(LENGTHS + have + i, value);
    have += repeat;
    p += len + extra;
  }
  if (load<u8>(LENGTHS + 256) == 0) return INFLATE_ERROR;
  if (!buildTable(LENGTHS, nlen, LTABLE, LROOT, LSYMBOL, CODE_SYMBOLS)) return INFLATE_ERROR;
  if (!buildTable(LENGTHS + nlen, ndist, DTABLE, DROOT, DSYMBOL, CODE_SYMBOLS)) return INFLATE_ERROR;
  pos = p;
  ltable = LTABLE;
  dtable = DTABLE;
  mode = AT_HUFFMAN;
  return INFLATE_MORE;
}

/**
 * Copies the stored block's bytes that the input and the output have room for. Returns INFLATE_MORE once the block
 * is done (mode AT_HEADER), INFLATE_DONE when the input ends first, INFLATE_ERROR never; a full output leaves
 * `storedLeft` above 0 (the caller returns).
 */
function stored(): u32 {
  let n = storedLeft;
  const input = (inBits - pos) >> 3;
  const room = <u32>(FRESH + INFLATE_OUTPUT_SIZE - out);
  if (n > input) n = input;
  if (n > room) n = room;
  memory.copy(out, IN + (pos >> 3), n);
  out += n;
  pos += n << 3;
  storedLeft -= n;
  if (storedLeft == 0) {
    mode = AT_HEADER;
    return INFLATE_MORE;
  }
  return n == input ? INFLATE_DONE : INFLATE_MORE;
}

/**
 * Decodes the Huffman block's symbols until its end (INFLATE_MORE, mode AT_HEADER), a full output (INFLATE_MORE,
 * mode unchanged), the input's end (INFLATE_DONE) or an invalid code or distance (INFLATE_ERROR). Each check
 * waits, as zlib's, for the bits it needs: a symbol is decoded only when all of its bits are input.
 */
function huffman(): u32 {
  let p = pos;
  let o = out;
  const lt = ltable;
  const dt = dtable;
  const end = inBits;
  const lmask: u32 = (1 << LROOT) - 1;
  let status = INFLATE_MORE;
  while (o <= OUT_LIMIT) {
    const bits = peek(p);
    const entry = lookup(lt, LROOT, LSYMBOL, bits);
    const op = (entry >> 8) & 0xff;
    let len = entry & 0xff;
    if (op == OP_LITERAL) {
      if (p + len > end) { status = INFLATE_DONE; break; }
      p += len;
      // Literals come in runs: the next symbol from the same 57 bits, when it is one too (most of a text's codes
      // are short; a long one waits for the next round). The output limit leaves room for both.
      const next = load<u32>(lt + ((<u32>(bits >> len) & lmask) << 2));
      const nextLen = next & 0xff;
      if ((next & 0xff00) == 0 && p + nextLen <= end) {
        store<u16>(o, <u16>(((entry >> 16) & 0xff) | ((next >> 8) & 0xff00)));
        o += 2;
        p += nextLen;
        continue;
      }
      store<u8>(o++, <u8>(entry >> 16));
      continue;
    }
    if (op < OP_END) {
      const lextra = op - OP_BASE;
      const length = (entry >> 16) + (<u32>(bits >> len) & ((1 << lextra) - 1));
      len += lextra;
      const rest = bits >> len;
      const dentry = lookup(dt, DROOT, DSYMBOL, rest);
      const dop = (dentry >> 8) & 0xff;
      const dlen = dentry & 0xff;
      if (dop == OP_INVALID) {
        status = p + len + dlen > end ? INFLATE_DONE : INFLATE_ERROR;
        break;
      }
      const dextra = dop - OP_BASE;
      const distance = (dentry >> 16) + (<u32>(rest >> dlen) & ((1 << dextra) - 1));
      len += dlen + dextra;
      if (p + len > end) { status = INFLATE_DONE; break; }
      if (<usize>distance > o - oldest) { status = INFLATE_ERROR; break; }
      p += len;
      let from = o - distance;
      const to = o + length;
      if (distance >= 8) {
        // Each 8-byte load reads bytes written at least 8 bytes before: overlapping matches repeat as they must.
        do {
          store<u64>(o, load<u64>(from));
          o += 8;
          from += 8;
        } while (o < to);
      } else if (distance == 1) {
        const run = <u64>load<u8>(from) * 0x0101_0101_0101_0101;
        do {
          store<u64>(o, run);
          o += 8;
        } while (o < to);
      } else {
        do store<u8>(o++, load<u8>(from++)); while (o < to);
      }
      o = to;
      continue;
    }
    if (p + len > end) { status = INFLATE_DONE; break; }
    if (op == OP_END) {
      p += len;
      mode = AT_HEADER;
      break;
    }
    status = INFLATE_ERROR;
    break;
  }
  pos = p;
  out = o;
  return status;
}

/** Decodes until the message ends, fails, or fills the output. */
function run(): i32 {
  for (;;) {
    let status: u32;
    if (mode == AT_HEADER) {
      // After a final block nothing more is read (zlib ignores what follows).
      if (last) return result(INFLATE_DONE);
      status = header();
    } else if (mode == AT_STORED) {
      status = stored();
      if (status == INFLATE_MORE && storedLeft != 0) return result(INFLATE_MORE);
    } else {
      status = huffman();
      if (status == INFLATE_MORE && mode == AT_HUFFMAN) return result(INFLATE_MORE);
    }
    if (status != INFLATE_MORE) return result(status);
  }
  return unreachable();
}

/**
 * Inflates the message of `length` bytes (at most INFLATE_INPUT_SIZE) written at inflateInputPtr(), with the
 * trailer 00 00 ff ff added after it (RFC 7692 §7.2.2). Returns the bytes written from inflateOutputPtr() << 2 |
 * the status: INFLATE_DONE, INFLATE_MORE (take the output, then call inflateMore) or INFLATE_ERROR.
 */
export function inflateMessage(length: u32): i32 {
  // The caller's contract; a trap (a RuntimeError in JavaScript) rather than writing past IN.
  if (length > INFLATE_INPUT_SIZE) unreachable();
  store<u32>(IN + length, 0xffff0000);
  store<u64>(IN + length + 4, 0);
  store<u64>(IN + length + 12, 0);
  inBits = (length + 4) << 3;
  pos = 0;
  out = oldest = FRESH;
  mode = AT_HEADER;
  last = false;
  return run();
}

/**
 * Goes on with the message after INFLATE_MORE, once the caller took the output: the last INFLATE_WINDOW bytes
 * move down below the output region, and decoding resumes. Returns as inflateMessage does.
 */
export function inflateMore(): i32 {
  const written = out - FRESH;
  memory.copy(OUT, out - INFLATE_WINDOW, INFLATE_WINDOW);
  oldest = written >= oldest - OUT ? OUT : oldest - written;
  out = FRESH;
  return run();
}

/** The address of the input region (INFLATE_INPUT_SIZE bytes for the message). */
export function inflateInputPtr(): usize {
  return IN;
}

/** The address where each call's output starts. */
export function inflateOutputPtr(): usize {
  return FRESH;
}
