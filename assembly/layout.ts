// The kernels' memory layout and result codes: the one definition, shared by
// the WASM kernels (which import it) and the codec's TypeScript (the codec and
// the pure-JS twins in src/codec/fallback), which gets the same values from
// src/codec/layout.generated.ts. `npm run build` compiles this file on its own
// (build/wsframe-layout.wasm, every constant an exported global) and
// scripts/generate-layout.mjs writes the TypeScript copy from that module's
// exports; test/kernels/layout.test.ts fails if the two disagree.
//
// Constants only (no code, no imports): every `export const` here is part of
// the contract and reaches TypeScript under the same name.

// ---- The I/O region (io.ts) ----

/** Bytes in the I/O region: the most one kernel call handles; the size of a Node.js socket read. */
export const IO_SIZE: usize = 65536;

// ---- The frame decoder's state slot (frame-state.ts) ----
// 32-bit words (byte offset = word * 4).

/** Bit 0: server role (client frames must be masked; otherwise they must not be). */
export const S_FLAGS = 0;
/** PHASE_HEADER, PHASE_PAYLOAD or PHASE_STOPPED. */
export const S_PHASE = 1;
/** First header byte of the current frame: FIN, RSV and opcode. */
export const S_HEAD = 2;
/** Masking key of the current frame, little-endian (key byte 0 in the low bits). */
export const S_KEY = 3;
/** Payload bytes of the current frame seen so far, modulo 4: the key phase. */
export const S_KEY_PHASE = 4;
/** Opcode (1 text, 2 binary) of the data message in progress, | D_COMPRESSED if it is compressed; 0 between messages. */
export const S_MESSAGE = 5;
/** Streaming UTF-8 validator state of the text message in progress. */
export const S_UTF8 = 6;
/** Why decoding stopped: an E_* id, or 0 (none, or after a close frame). */
export const S_ERROR = 7;
/** Bytes of a header split across calls, kept in S_HEADER (fewer than MAX_HEADER). */
export const S_HEADER_LENGTH = 8;
/** Words 9–12: the split header's bytes. */
export const S_HEADER = 9;
/** Out: bytes of the input consumed by the last call. */
export const S_CONSUMED = 13;
/** Out: input range [S_VIEW_START, S_VIEW_END) spanning every VIEW descriptor of the last call. */
export const S_VIEW_START = 14;
export const S_VIEW_END = 15;

// 64-bit fields (little-endian u64), by byte offset.

/** Payload bytes of the current frame not yet seen. */
export const S_REMAINING = 64;
/** Payload length of the current frame. */
export const S_FRAME_LENGTH = 72;
/** Payload bytes announced so far by the frames of the data message in progress. */
export const S_MESSAGE_LENGTH = 80;
/** Largest message accepted, in bytes; 0 for no limit. */
export const S_MAX_PAYLOAD = 88;
/**
 * Out (a 32-bit word, after the 64-bit fields): one past the last call's last descriptor that is a piece (not
 * D_VIEW), 0 when there is none. The call's descriptors from this one on are whole messages and control frames, so
 * the caller knows without a pass over the table whether they can be delivered straight from it.
 */
export const S_PIECE_END = 24;
/** Bytes in the state slot. */
export const STATE_SIZE = 100;

/** S_FLAGS bit: decoding frames sent by clients. */
export const FLAG_SERVER = 1;
/** S_FLAGS bit: permessage-deflate was agreed, so RSV1 may mark a data message's first frame (RFC 7692 §6). */
export const FLAG_DEFLATE = 2;
/**
 * S_FLAGS bit: the caller has a faster validator for long text (Node's simdutf
 * `buffer.isUtf8`). Text pieces of at least DEFER_UTF8_MIN bytes that are not
 * ASCII from a character boundary are then only unmasked, and their descriptor
 * carries D_UTF8. A piece of a message in progress ends the call: the caller
 * validates it from S_UTF8 and stores the new state there (or stops with
 * E_UTF8) before the next call. A whole message (D_VIEW) does not: S_UTF8 stays
 * 0 and the call goes on; the caller checks the message on its own and, if it
 * is invalid, drops it and every descriptor after it and stops with E_UTF8.
 */
export const FLAG_DEFER_UTF8 = 4;
export const DEFER_UTF8_MIN = 4096;
/**
 * S_FLAGS bit: text messages are not checked for UTF-8 (ws's skipUTF8Validation); their payloads are
 * only unmasked. It takes precedence over FLAG_DEFER_UTF8: skipped text is never deferred either.
 */
export const FLAG_SKIP_UTF8 = 8;

/** S_PHASE values. */
export const PHASE_HEADER = 0;
export const PHASE_PAYLOAD = 1;
export const PHASE_STOPPED = 2;

/** Longest frame header: 2 bytes, 8 of extended length, 4 of key. */
export const MAX_HEADER = 14;

/** High 32 bits of 2^53 - 1: longer payloads cannot be counted exactly in JavaScript. */
export const MAX_SAFE_LENGTH_HIGH = 0x1f_ffff;

// ---- The descriptor table (frame-state.ts) ----
// Four i32 words per payload piece. Word 0: opcode (bits 0–3) | D_COMPRESSED |
// D_FIN | D_START | D_END | D_VIEW. Word 1: offset of the piece in the input. Word 2: its
// length. Word 3: the frame's payload length, clamped to 2^31 - 1 (a size hint).

/** 32-bit words per descriptor. */
export const DESCRIPTOR_WORDS = 4;
/**
 * The piece belongs to a compressed data message (RSV1 on its first frame, with
 * FLAG_DEFLATE): its payload is DEFLATE data, so text is not UTF-8-validated
 * here but after inflating. The RSV1 bit's own position in the header byte.
 */
export const D_COMPRESSED = 0x40;
/** The frame's FIN bit. */
export const D_FIN = 0x80;
/** The piece starts the frame's payload. */
export const D_START = 0x100;
/** The piece ends the frame's payload. */
export const D_END = 0x200;
/** The piece is a whole message or a whole control frame: usable as a view of the input. */
export const D_VIEW = 0x400;
/** The piece is text left for the caller to validate (FLAG_DEFER_UTF8). */
export const D_UTF8 = 0x800;
/** Descriptors in the table: the most pieces one decodeFrames() call reports. */
export const TABLE_ENTRIES: u32 = 4096;

// ---- Protocol errors (S_ERROR ids); src/codec/errors.ts maps them to close codes ----

export const E_RSV_2_3 = 1;
export const E_RSV_1 = 2;
export const E_OPCODE = 3;
export const E_CONTINUATION = 4;
export const E_DATA_IN_MESSAGE = 5;
export const E_CONTROL_FIN = 6;
export const E_CONTROL_LENGTH = 7;
export const E_EXPECTED_MASK = 8;
export const E_UNEXPECTED_MASK = 9;
export const E_LENGTH_TOP_BIT = 10;
export const E_LENGTH_UNSUPPORTED = 11;
export const E_MAX_PAYLOAD = 12;
export const E_UTF8 = 13;
/** Found in JavaScript, not by the kernel: a close frame's status code is not one a peer may send. */
export const E_CLOSE_CODE = 14;
/** Found in JavaScript, not by the kernel: a compressed message is not valid DEFLATE data (permessage-deflate). */
export const E_DEFLATE_DATA = 15;
/** Found in JavaScript, not by the kernel: a message has more fragments than `maxFragments` allows. */
export const E_FRAGMENTS = 16;

// ---- UTF-8 validation (utf8-dfa.ts) ----

/**
 * The sticky invalid state of the streaming validator: 0xFFFFFFFF as a u32,
 * which JavaScript receives from WebAssembly as the i32 -1.
 */
export const UTF8_INVALID: u32 = 0xffffffff;

// ---- The DEFLATE compressor (deflate.ts, its own module: build/wsframe-deflate.wasm) ----

/** Most bytes one deflateCompress() call takes (a message compressed without context takeover). */
export const DEFLATE_INPUT_SIZE: u32 = 32768;
/**
 * Bytes in the output region: the input size, plus the most a stored block and the
 * sync flush add (the compressor never writes more than a stored block would).
 */
export const DEFLATE_OUTPUT_SIZE: u32 = DEFLATE_INPUT_SIZE + 64;
/** log2 of the shared compressor's hash heads (4-byte hashes): 16 K heads, never cleared between calls (see deflate.ts). */
export const DEFLATE_HASH_BITS: u32 = 14;
/**
 * A connection's compressor with context takeover (deflate.ts, "streams"): log2 of its hash heads (8 K heads of
 * 2 bytes: deflate.ts `insert`), and the most bytes one deflateStep() call takes (its window holds 2^windowBits bytes of history plus this).
 */
export const DEFLATE_STREAM_HASH_BITS: u32 = 13;
export const DEFLATE_STREAM_CHUNK: u32 = 16384;
/** A stream's header (u32 fields, at the start of its region): see deflate.ts `StreamHeader`. */
export const DEFLATE_STREAM_HEADER: u32 = 32;

// ---- The DEFLATE decompressor (inflate.ts, in the same module as deflate.ts) ----

/**
 * Most compressed bytes one message inflated by inflateMessage() may have (its trailer 00 00 ff ff is added after
 * them): beside pako it takes every message up to this (a 16 KiB JSON message is about 2.4 KB), beside native zlib
 * only those of up to 512 bytes (wasm-inflater.ts WASM_INFLATE_MAX; measured in docs/codec.md).
 */
export const INFLATE_INPUT_SIZE: u32 = 32768;
/** Most inflated bytes one inflateMessage() / inflateMore() call writes before it hands the output back. */
export const INFLATE_OUTPUT_SIZE: u32 = 32768;
/** History kept below each call's output, for matches reaching back into earlier output: RFC 1951's largest distance. */
export const INFLATE_WINDOW: u32 = 32768;
/** inflateMessage()/inflateMore() result, low 2 bits (the bytes written are the rest, result >> 2): the message is done. */
export const INFLATE_DONE: u32 = 0;
/** The output region is full: take the bytes written, then call inflateMore(). */
export const INFLATE_MORE: u32 = 1;
/** The data is not valid DEFLATE (the bytes written before the error are reported, and are to be discarded). */
export const INFLATE_ERROR: u32 = 2;
