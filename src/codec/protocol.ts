/**
 * RFC 6455's constants and predicates, in one place for the codec, the server
 * and the tests: opcodes, close codes, control-frame limits. The kernel's own
 * memory layout (state words, descriptor flags, error ids) is not here: that
 * is the layout module's.
 */

/** §5.2 opcodes. */
export const OPCODE_CONTINUATION = 0x0;
export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;
export const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

/** The FIN bit of a frame's first byte. */
export const FIN = 0x80;
/** The RSV1 bit of a frame's first byte: "compressed" under permessage-deflate (RFC 7692 §6). */
export const RSV1 = 0x40;
/** The RSV2 and RSV3 bits of a frame's first byte: no extension wsframe speaks defines them. */
export const RSV2 = 0x20;
export const RSV3 = 0x10;
/** The opcode bits of a frame's first byte. */
export const OPCODE_BITS = 0x0f;
/** The MASK bit of a frame's second byte; the other seven bits are the payload length. */
export const MASK_BIT = 0x80;
/** 7-bit payload lengths that announce a 16-bit (126) or 64-bit (127) extended length. */
export const LENGTH_16 = 126;
export const LENGTH_64 = 127;
/** Payloads from this many bytes take the 64-bit extended length; from LENGTH_16 bytes up to it, the 16-bit one. */
export const MIN_LENGTH_64 = 65536;

/** §5.5: control frames carry at most 125 payload bytes. */
export const MAX_CONTROL_PAYLOAD = 125;
/** §5.5.1: a close frame's reason fits after its 2-byte code. */
export const MAX_CLOSE_REASON = MAX_CONTROL_PAYLOAD - 2;

/** §7.4.1 status codes wsframe sends or reports. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_UNSUPPORTED_DATA = 1003;
/** Reported, never sent: the close frame had no status code. */
export const CLOSE_NO_STATUS = 1005;
/** Reported, never sent: the connection closed without a close frame. */
export const CLOSE_ABNORMAL = 1006;
export const CLOSE_INVALID_DATA = 1007;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_MANDATORY_EXTENSION = 1010;
export const CLOSE_INTERNAL_ERROR = 1011;
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** Whether `opcode` is a control frame's (close, ping, pong). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** Whether `opcode` starts a data message (text or binary). */
export function isDataOpcode(opcode: number): boolean {
  return opcode === OPCODE_TEXT || opcode === OPCODE_BINARY;
}

/** Whether a peer may send `code` in a close frame (RFC 6455 §7.4.1, IANA registry). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}
