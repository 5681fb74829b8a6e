// The decoder's state slot and descriptor table: static regions that hold one
// decoder's state for the length of one decodeFrames() call. Each decoder keeps
// its state in JavaScript and copies it in before a call and out after it, so
// any number of decoders share one instance. Mirror: src/codec/frame-layout.ts.

// 32-bit words of the state slot (byte offset = word * 4).
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
/** Opcode (1 text, 2 binary) of the data message in progress; 0 between messages. */
export const S_MESSAGE = 5;
/** Streaming UTF-8 validator state of the text message in progress. */
export const S_UTF8 = 6;
/** Why decoding stopped: an E_* id, or 0 (none, or after a close frame). */
export const S_ERROR = 7;
/** Bytes of a header split across calls, kept in S_HEADER (at most 13). */
export const S_HEADER_LENGTH = 8;
/** Words 9–12: the split header's bytes. */
export const S_HEADER = 9;
/** Out: bytes of the input consumed by the last call. */
export const S_CONSUMED = 13;
/** Out: input range [S_VIEW_START, S_VIEW_END) spanning every VIEW descriptor of the last call. */
export const S_VIEW_START = 14;
export const S_VIEW_END = 15;
// 64-bit fields, by byte offset.
/** Payload bytes of the current frame not yet seen. */
export const S_REMAINING = 64;
/** Payload length of the current frame. */
export const S_FRAME_LENGTH = 72;
/** Payload bytes announced so far by the frames of the data message in progress. */
export const S_MESSAGE_LENGTH = 80;
/** Largest message accepted, in bytes; 0 for no limit. */
export const S_MAX_PAYLOAD = 88;
export const STATE_SIZE = 96;

export const FLAG_SERVER = 1;
/**
 * Bit 1: the caller has a faster validator for long text (Node's simdutf
 * `buffer.isUtf8`). Text pieces of at least DEFER_UTF8_MIN bytes are then only
 * unmasked: the piece ends the call, its descriptor carries D_UTF8, and the
 * caller validates it from S_UTF8 and stores the new state there (or stops with
 * E_UTF8) before the next call.
 */
export const FLAG_DEFER_UTF8 = 2;
export const DEFER_UTF8_MIN = 4096;

export const PHASE_HEADER = 0;
export const PHASE_PAYLOAD = 1;
export const PHASE_STOPPED = 2;

// Descriptor: four i32 words per payload piece.
// Word 0: opcode (bits 0–3) | D_FIN | D_START | D_END | D_VIEW.
// Word 1: offset of the piece in the input. Word 2: its length.
// Word 3: the frame's payload length, clamped to 2^31 - 1 (a size hint).
export const D_FIN = 0x80;
/** The piece starts the frame's payload. */
export const D_START = 0x100;
/** The piece ends the frame's payload. */
export const D_END = 0x200;
/** The piece is a whole message or a whole control frame: usable as a view of the input. */
export const D_VIEW = 0x400;
/** The piece is text left for the caller to validate (FLAG_DEFER_UTF8). */
export const D_UTF8 = 0x800;
export const TABLE_ENTRIES: u32 = 4096;

// Protocol errors (S_ERROR ids); src/codec/errors.ts maps them to close codes.
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

export const STATE: usize = memory.data(STATE_SIZE, 16);
export const TABLE: usize = memory.data(TABLE_ENTRIES * 16, 16);

/** Address of the state slot. */
export function frameStatePtr(): usize {
  return STATE;
}

/** Address of the descriptor table. */
export function frameTablePtr(): usize {
  return TABLE;
}

/** Entries in the descriptor table: the most pieces one decodeFrames() call reports. */
export function frameTableEntries(): u32 {
  return TABLE_ENTRIES;
}

// @ts-ignore: decorator
@inline export function word(index: i32): i32 {
  return load<i32>(STATE + (<usize>index << 2));
}

// @ts-ignore: decorator
@inline export function setWord(index: i32, value: i32): void {
  store<i32>(STATE + (<usize>index << 2), value);
}
