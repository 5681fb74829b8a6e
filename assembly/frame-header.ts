// RFC 6455 §5.2 frame header parsing with the §5 checks, in the order ws applies them.
import { STATE, setWord, word } from './frame-state';
import {
  E_CONTINUATION, E_CONTROL_FIN, E_CONTROL_LENGTH, E_DATA_IN_MESSAGE, E_EXPECTED_MASK, E_LENGTH_TOP_BIT,
  D_COMPRESSED, E_LENGTH_UNSUPPORTED, E_MAX_PAYLOAD, E_OPCODE, E_RSV_1, E_RSV_2_3, E_UNEXPECTED_MASK, FLAG_DEFLATE, FLAG_SERVER,
  MAX_SAFE_LENGTH_HIGH, S_FLAGS, S_FRAME_LENGTH, S_HEAD, S_KEY, S_KEY_PHASE, S_MAX_PAYLOAD, S_MESSAGE,
  S_MESSAGE_LENGTH, S_REMAINING, S_UTF8,
} from './layout';

/** 2^53 - 1: longer payloads cannot be counted exactly in JavaScript. */
const MAX_SAFE_LENGTH: u64 = (<u64>MAX_SAFE_LENGTH_HIGH << 32) | 0xffff_ffff;

/** An opcode error: the frame's first byte goes to S_HEAD, so that the error can name the opcode (as ws's does). */
function opcodeError(head: i32, error: i32): i32 {
  setWord(S_HEAD, head);
  return -error;
}

/**
 * Parses the header of the frame at `p`, of which `available` bytes are present,
 * and checks it against the decoder state. Returns the header's length once it
 * is complete (and only then updates the state for the new frame), 0 when more
 * bytes are needed, or a negative E_* id. A check that needs only the bytes
 * present fails at once, so an error never waits for the rest of the header.
 * Inlined into decodeFrames' loop (its one caller): a call there costs more
 * than a short frame's header checks (V8 spills every live value around it).
 */
// @ts-ignore: decorator
@inline export function parseHeader(p: usize, available: usize): i32 {
  if (available < 2) return 0;
  const head = <i32>load<u8>(p);
  const second = <i32>load<u8>(p, 1);
  if (head & 0x30) return -E_RSV_2_3;
  const opcode = head & 0x0f;
  // RSV1 marks a compressed message (permessage-deflate): only if agreed, only on a message's first frame.
  // (Nested, so that the usual frame, without RSV1, passes with one test and branch.)
  if (head & D_COMPRESSED) {
    if ((word(S_FLAGS) & FLAG_DEFLATE) == 0 || opcode == 0 || opcode > 2) return -E_RSV_1;
  }
  const message = word(S_MESSAGE);
  let length: u64 = <u64>(second & 0x7f);
  if (opcode == 0) {
    if (!message) return -E_CONTINUATION;
  } else if (opcode <= 2) {
    if (message) return opcodeError(head, E_DATA_IN_MESSAGE);
  } else if (opcode >= 8 && opcode <= 10) {
    if (!(head & 0x80)) return -E_CONTROL_FIN;
    // A close body is empty or starts with a 2-byte code.
    if (length > 125 || (opcode == 8 && length == 1)) return -E_CONTROL_LENGTH;
  } else {
    return opcodeError(head, E_OPCODE);
  }
  const masked = second >> 7;
  if (word(S_FLAGS) & FLAG_SERVER) {
    if (!masked) return -E_EXPECTED_MASK;
  } else if (masked) {
    return -E_UNEXPECTED_MASK;
  }
  let size: usize = 2;
  if (length == 126) {
    if (available < 4) return 0;
    length = <u64>bswap<u16>(load<u16>(p, 2));
    size = 4;
  } else if (length == 127) {
    if (available < 10) return 0;
    length = bswap<u64>(load<u64>(p, 2));
    if (length >> 63) return -E_LENGTH_TOP_BIT;
    if (length > MAX_SAFE_LENGTH) return -E_LENGTH_UNSUPPORTED;
    size = 10;
  }
  // The limit applies to the announced length, before any payload is buffered.
  let messageLength = load<u64>(STATE + S_MESSAGE_LENGTH);
  if (opcode < 8) {
    messageLength = opcode ? length : messageLength + length;
    const limit = load<u64>(STATE + S_MAX_PAYLOAD);
    if (limit && messageLength > limit) return -E_MAX_PAYLOAD;
  }
  let key: u32 = 0;
  if (masked) {
    if (available < size + 4) return 0;
    key = load<u32>(p + size);
    size += 4;
  }
  setWord(S_HEAD, head);
  setWord(S_KEY, key);
  setWord(S_KEY_PHASE, 0);
  store<u64>(STATE + S_REMAINING, length);
  store<u64>(STATE + S_FRAME_LENGTH, length);
  if (opcode < 8) store<u64>(STATE + S_MESSAGE_LENGTH, messageLength);
  if (opcode == 1 || opcode == 2) {
    setWord(S_MESSAGE, opcode | (head & D_COMPRESSED));
    setWord(S_UTF8, 0);
  }
  return <i32>size;
}
