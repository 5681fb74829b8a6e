/**
 * The frame decoder's memory layout contract, shared by the WASM kernel
 * (assembly/frame-state.ts, which documents every field) and its TypeScript
 * twin (fallback/frame.ts). Change both sides together.
 */

// 32-bit words of the state slot.
export const S_FLAGS = 0;
export const S_PHASE = 1;
export const S_MESSAGE = 5;
export const S_UTF8 = 6;
export const S_ERROR = 7;
export const S_CONSUMED = 13;
export const S_VIEW_START = 14;
export const S_VIEW_END = 15;
/** Byte offset of the 64-bit limit (0 = none). */
export const S_MAX_PAYLOAD = 88;
export const STATE_SIZE = 96;
export const STATE_WORDS = STATE_SIZE / 4;

export const FLAG_SERVER = 1;
/** Long text pieces are left for a faster validator in JavaScript (assembly/frame-state.ts). */
export const FLAG_DEFER_UTF8 = 2;
export const DEFER_UTF8_MIN = 4096;
export const PHASE_STOPPED = 2;

// Descriptor word 0: opcode | flags.
export const D_FIN = 0x80;
export const D_START = 0x100;
export const D_END = 0x200;
export const D_VIEW = 0x400;
export const D_UTF8 = 0x800;

// Error ids reported in S_ERROR (see errors.ts).
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
/** Found in JavaScript: a close frame's status code is not one a peer may send. */
export const E_CLOSE_CODE = 14;
