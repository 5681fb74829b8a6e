// The batch loop: one call walks every frame in the input, checking headers,
// unmasking payloads in place (validating text in the same pass) and writing
// one descriptor per payload piece into the table.
import { mask } from './mask';
import { parseHeader } from './frame-header';
import { isAsciiRun, textPiece } from './frame-text';
import { STATE, TABLE, setWord, word } from './frame-state';
import {
  DEFER_UTF8_MIN, DESCRIPTOR_WORDS, D_COMPRESSED, D_END, D_FIN, D_START, D_UTF8, D_VIEW, E_UTF8, FLAG_DEFER_UTF8,
  FLAG_SKIP_UTF8, MAX_HEADER, PHASE_HEADER, PHASE_PAYLOAD, PHASE_STOPPED, S_CONSUMED, S_ERROR, S_FLAGS, S_FRAME_LENGTH,
  S_HEAD, S_HEADER, S_HEADER_LENGTH, S_KEY, S_KEY_PHASE, S_MESSAGE,
  S_MESSAGE_LENGTH, S_PHASE, S_PIECE_END, S_REMAINING, S_UTF8, S_VIEW_END, S_VIEW_START, TABLE_ENTRIES, UTF8_INVALID,
} from './layout';

function stop(error: i32): void {
  setWord(S_ERROR, error);
  setWord(S_PHASE, PHASE_STOPPED);
}

/**
 * Decodes the `length` bytes at `ptr` with the decoder state in the state slot.
 * Returns the number of descriptors written; S_CONSUMED tells how many input
 * bytes they cover (all of them unless the table filled up: call again on the
 * rest). A header split at the end of the input is kept in the state; payload
 * pieces are reported as they arrive. Stops for good after a close frame or a
 * protocol error (S_ERROR).
 */
export function decodeFrames(ptr: usize, length: usize): u32 {
  let pos: usize = 0;
  let count: u32 = 0;
  let viewStart = <i32>length;
  let viewEnd = 0;
  let pieceEnd: u32 = 0;
  let phase = word(S_PHASE);
  while (phase != PHASE_STOPPED && count < TABLE_ENTRIES) {
    if (phase == PHASE_HEADER) {
      if (pos == length) break;
      // A header split across inputs (kept bytes of it in the state slot) is completed and parsed there.
      // One call site, so that parseHeader is inlined into this loop.
      const kept = <usize>word(S_HEADER_LENGTH);
      const saved = STATE + (S_HEADER << 2);
      const added = kept == 0 ? length - pos : min<usize>(<usize>MAX_HEADER - kept, length - pos);
      if (kept != 0) memory.copy(saved + kept, ptr + pos, added);
      const size = parseHeader(kept == 0 ? ptr + pos : saved, kept + added);
      if (size == 0) {
        // Still incomplete: keep its bytes (fewer than MAX_HEADER) for the next call.
        if (kept == 0) memory.copy(saved, ptr + pos, added);
        setWord(S_HEADER_LENGTH, <i32>(kept + added));
        pos += added;
        break;
      }
      if (size < 0) {
        stop(-size);
        break;
      }
      pos += <usize>size - kept;
      if (kept != 0) setWord(S_HEADER_LENGTH, 0);
      phase = PHASE_PAYLOAD;
    }
    const remaining = load<u64>(STATE + S_REMAINING);
    const frameLength = load<u64>(STATE + S_FRAME_LENGTH);
    const n = <usize>min<u64>(remaining, <u64>(length - pos));
    if (n == 0 && remaining != 0) break;
    const head = word(S_HEAD);
    const opcode = head & 0x0f;
    const fin = head & D_FIN;
    const isEnd = <u64>n == remaining;
    const p = ptr + pos;
    const key = <u32>word(S_KEY);
    const keyPhase = <u32>word(S_KEY_PHASE);
    // S_MESSAGE is the data message's opcode, with D_COMPRESSED when it is compressed: inflated later, validated then.
    const message = opcode < 8 ? word(S_MESSAGE) : 0;
    let flags = (head & 0x8f) | (message & D_COMPRESSED);
    // Text to check: skipUTF8Validation (FLAG_SKIP_UTF8) leaves it unmasked only, deferred or not.
    // One test here, so binary and control frames pass the text branches with a single branch.
    if (message == 1 && (word(S_FLAGS) & FLAG_SKIP_UTF8) == 0) {
      if (n >= <usize>DEFER_UTF8_MIN && (word(S_FLAGS) & FLAG_DEFER_UTF8) != 0) {
        // Long text for the caller's validator: unmask only, unless it is ASCII from a character boundary
        // (valid, and the boundary stays). A piece that is not a whole message ends the call (below).
        if (key) mask(p, p, n, key, keyPhase);
        if (word(S_UTF8) != 0 || !isAsciiRun(p, n)) flags |= D_UTF8;
      } else {
        let utf8 = <u32>word(S_UTF8);
        if (n) utf8 = textPiece(p, n, key, keyPhase, key != 0, utf8);
        // Fail fast: an invalid byte, or a message that ends inside a character.
        if (utf8 == UTF8_INVALID || (isEnd && fin && utf8 != 0)) {
          stop(E_UTF8);
          break;
        }
        setWord(S_UTF8, <i32>utf8);
      }
    } else if (key) {
      mask(p, p, n, key, keyPhase);
    }
    if (remaining == frameLength) flags |= D_START;
    if (isEnd) flags |= D_END;
    // A whole control frame, or a whole unfragmented message.
    if ((flags & (D_START | D_END)) == (D_START | D_END) && (opcode >= 8 || (fin && opcode != 0))) {
      flags |= D_VIEW;
      if (viewStart > <i32>pos) viewStart = <i32>pos;
      viewEnd = <i32>(pos + n);
    } else {
      pieceEnd = count + 1;
    }
    const d = TABLE + <usize>count * DESCRIPTOR_WORDS * 4;
    store<i32>(d, flags);
    store<i32>(d, <i32>pos, 4);
    store<i32>(d, <i32>n, 8);
    store<i32>(d, <i32>min<u64>(frameLength, 0x7fffffff), 12);
    count++;
    pos += n;
    if (!isEnd) {
      store<u64>(STATE + S_REMAINING, remaining - <u64>n);
      setWord(S_KEY_PHASE, <i32>((keyPhase + <u32>n) & 3));
      break;
    }
    store<u64>(STATE + S_REMAINING, 0);
    phase = PHASE_HEADER;
    if (opcode == 8) {
      phase = PHASE_STOPPED;
    } else if (opcode < 8 && fin) {
      setWord(S_MESSAGE, 0);
      store<u64>(STATE + S_MESSAGE_LENGTH, 0);
    }
    // The caller carries S_UTF8 on from a deferred piece of a message in progress before the next call; a
    // deferred whole message leaves it at 0 and is checked on its own (FLAG_DEFER_UTF8), so the call goes on.
    if ((flags & (D_UTF8 | D_VIEW)) == D_UTF8) break;
  }
  if (word(S_PHASE) != PHASE_STOPPED) setWord(S_PHASE, phase);
  setWord(S_CONSUMED, <i32>pos);
  setWord(S_VIEW_START, viewStart);
  setWord(S_VIEW_END, viewEnd);
  setWord(S_PIECE_END, <i32>pieceEnd);
  return count;
}
