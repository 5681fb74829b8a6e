/**
 * Plain-TypeScript twin of the frame kernels (assembly/frame-state.ts,
 * frame-header.ts, frame-decode.ts): the same exports with the same signatures
 * and the same memory layout (../layout.ts), on a fixed byte memory. It is
 * the reference the WASM kernel is tested against and the decoder's kernel
 * where WebAssembly is missing. Simple and scalar on purpose.
 */
import * as L from '../layout.js';
import {
  FIN, LENGTH_16, LENGTH_64, MASK_BIT, MAX_CONTROL_PAYLOAD, OPCODE_BITS, OPCODE_CLOSE, OPCODE_CONTINUATION,
  OPCODE_PONG, OPCODE_TEXT, RSV1, RSV2, RSV3, isControlOpcode, isDataOpcode,
} from '../protocol.js';

/** What the twin needs from the other kernels (their twins or the WASM exports). */
export interface FrameTwinDeps {
  /** mask(src, dst, length, key, phase) of assembly/mask.ts. */
  mask(src: number, dst: number, length: number, key: number, phase: number): void;
  /**
   * Unmasks (if `masked`) and validates UTF-8 in place, continuing from `state`;
   * returns the new state (assembly/frame-text.ts).
   */
  textPiece(ptr: number, length: number, key: number, phase: number, masked: boolean, state: number): number;
}

export interface FrameTwinLayout {
  statePtr: number;
  tablePtr: number;
  tableEntries: number;
}

/** The frame kernels over `memory` (a view of the whole fixed memory: addresses index it). */
export function createFrameTwin(memory: Uint8Array, layout: FrameTwinLayout, deps: FrameTwinDeps) {
  const view = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  const { statePtr: STATE, tablePtr: TABLE, tableEntries: TABLE_ENTRIES } = layout;
  const state = new Int32Array(memory.buffer, memory.byteOffset + STATE, L.STATE_WORDS);
  const word = (index: number): number => state[index];
  const setWord = (index: number, value: number): void => {
    state[index] = value;
  };
  // 64-bit fields hold lengths below 2^64; as numbers they are exact below 2^53, which is all we accept.
  const get64 = (at: number): number => L.getState64(state, at);
  const set64 = (at: number, value: number): void => L.setState64(state, at, value);

  /** An opcode error: the frame's first byte goes to S_HEAD, so that the error can name the opcode (as ws's does). */
  function opcodeError(head: number, error: number): number {
    setWord(L.S_HEAD, head);
    return -error;
  }

  function parseHeader(p: number, available: number): number {
    if (available < 2) return 0;
    const head = memory[p];
    const second = memory[p + 1];
    if (head & (RSV2 | RSV3)) return -L.E_RSV_2_3;
    const opcode = head & OPCODE_BITS;
    // RSV1 marks a compressed message (permessage-deflate): only if agreed, only on a message's first frame.
    if (head & RSV1 && (!(word(L.S_FLAGS) & L.FLAG_DEFLATE) || !isDataOpcode(opcode))) return -L.E_RSV_1;
    const message = word(L.S_MESSAGE);
    let length = second & ~MASK_BIT;
    if (opcode === OPCODE_CONTINUATION) {
      if (!message) return -L.E_CONTINUATION;
    } else if (isDataOpcode(opcode)) {
      if (message) return opcodeError(head, L.E_DATA_IN_MESSAGE);
    } else if (opcode >= OPCODE_CLOSE && opcode <= OPCODE_PONG) {
      if (!(head & FIN)) return -L.E_CONTROL_FIN;
      if (length > MAX_CONTROL_PAYLOAD || (opcode === OPCODE_CLOSE && length === 1)) return -L.E_CONTROL_LENGTH;
    } else {
      return opcodeError(head, L.E_OPCODE);
    }
    const masked = second & MASK_BIT;
    if (word(L.S_FLAGS) & L.FLAG_SERVER) {
      if (!masked) return -L.E_EXPECTED_MASK;
    } else if (masked) {
      return -L.E_UNEXPECTED_MASK;
    }
    let size = 2;
    if (length === LENGTH_16) {
      if (available < 4) return 0;
      length = view.getUint16(p + 2);
      size = 4;
    } else if (length === LENGTH_64) {
      if (available < 10) return 0;
      const high = view.getUint32(p + 2);
      if (high >= 0x8000_0000) return -L.E_LENGTH_TOP_BIT;
      if (high > L.MAX_SAFE_LENGTH_HIGH) return -L.E_LENGTH_UNSUPPORTED;
      length = high * 2 ** 32 + view.getUint32(p + 6);
      size = 10;
    }
    let messageLength = get64(L.S_MESSAGE_LENGTH);
    if (!isControlOpcode(opcode)) {
      messageLength = opcode ? length : messageLength + length;
      const limit = get64(L.S_MAX_PAYLOAD);
      if (limit && messageLength > limit) return -L.E_MAX_PAYLOAD;
    }
    let key = 0;
    if (masked) {
      if (available < size + 4) return 0;
      key = view.getInt32(p + size, true);
      size += 4;
    }
    setWord(L.S_HEAD, head);
    setWord(L.S_KEY, key);
    setWord(L.S_KEY_PHASE, 0);
    set64(L.S_REMAINING, length);
    set64(L.S_FRAME_LENGTH, length);
    if (!isControlOpcode(opcode)) set64(L.S_MESSAGE_LENGTH, messageLength);
    if (isDataOpcode(opcode)) {
      setWord(L.S_MESSAGE, opcode | (head & L.D_COMPRESSED));
      setWord(L.S_UTF8, 0);
    }
    return size;
  }

  function stop(error: number): void {
    setWord(L.S_ERROR, error);
    setWord(L.S_PHASE, L.PHASE_STOPPED);
  }

  function decodeFrames(ptr: number, length: number): number {
    let pos = 0;
    let count = 0;
    let viewStart = length;
    let viewEnd = 0;
    let pieceEnd = 0;
    let phase = word(L.S_PHASE);
    while (phase !== L.PHASE_STOPPED && count < TABLE_ENTRIES) {
      if (phase === L.PHASE_HEADER) {
        if (pos === length) break;
        const kept = word(L.S_HEADER_LENGTH);
        const keptAt = STATE + L.S_HEADER * 4;
        let size: number;
        if (kept === 0) {
          size = parseHeader(ptr + pos, length - pos);
          if (size === 0) {
            memory.copyWithin(keptAt, ptr + pos, ptr + length);
            setWord(L.S_HEADER_LENGTH, length - pos);
            pos = length;
            break;
          }
          if (size > 0) pos += size;
        } else {
          const n = Math.min(L.MAX_HEADER - kept, length - pos);
          memory.copyWithin(keptAt + kept, ptr + pos, ptr + pos + n);
          size = parseHeader(keptAt, kept + n);
          if (size === 0) {
            setWord(L.S_HEADER_LENGTH, kept + n);
            pos += n;
            break;
          }
          if (size > 0) {
            pos += size - kept;
            setWord(L.S_HEADER_LENGTH, 0);
          }
        }
        if (size < 0) {
          stop(-size);
          break;
        }
        phase = L.PHASE_PAYLOAD;
      }
      const remaining = get64(L.S_REMAINING);
      const frameLength = get64(L.S_FRAME_LENGTH);
      const n = Math.min(remaining, length - pos);
      if (n === 0 && remaining !== 0) break;
      const head = word(L.S_HEAD);
      const opcode = head & OPCODE_BITS;
      const fin = head & L.D_FIN;
      const isEnd = n === remaining;
      const p = ptr + pos;
      const key = word(L.S_KEY);
      const keyPhase = word(L.S_KEY_PHASE);
      // S_MESSAGE is the data message's opcode, with D_COMPRESSED when it is compressed: inflated later, validated then.
      const message = isControlOpcode(opcode) ? 0 : word(L.S_MESSAGE);
      let flags = (head & (L.D_FIN | OPCODE_BITS)) | (message & L.D_COMPRESSED);
      // Text to check: skipUTF8Validation (FLAG_SKIP_UTF8) leaves it unmasked only, deferred or not.
      const checked = message === OPCODE_TEXT && (word(L.S_FLAGS) & L.FLAG_SKIP_UTF8) === 0;
      if (checked && n >= L.DEFER_UTF8_MIN && (word(L.S_FLAGS) & L.FLAG_DEFER_UTF8) !== 0) {
        // Long text for the caller's validator (assembly/frame-decode.ts), unless ASCII from a boundary.
        if (key) deps.mask(p, p, n, key, keyPhase);
        if (word(L.S_UTF8) !== 0 || memory.subarray(p, p + n).some((b) => b >= 0x80)) flags |= L.D_UTF8;
      } else if (checked) {
        let utf8 = word(L.S_UTF8);
        if (n) utf8 = deps.textPiece(p, n, key, keyPhase, key !== 0, utf8) | 0;
        if (utf8 === L.UTF8_INVALID || (isEnd && fin && utf8 !== 0)) {
          stop(L.E_UTF8);
          break;
        }
        setWord(L.S_UTF8, utf8);
      } else if (key) {
        deps.mask(p, p, n, key, keyPhase);
      }
      if (remaining === frameLength) flags |= L.D_START;
      if (isEnd) flags |= L.D_END;
      if ((flags & (L.D_START | L.D_END)) === (L.D_START | L.D_END) && (isControlOpcode(opcode) || (fin && opcode !== OPCODE_CONTINUATION))) {
        flags |= L.D_VIEW;
        if (viewStart > pos) viewStart = pos;
        viewEnd = pos + n;
      } else {
        pieceEnd = count + 1;
      }
      const d = TABLE + count * L.DESCRIPTOR_WORDS * 4;
      view.setInt32(d, flags, true);
      view.setInt32(d + 4, pos, true);
      view.setInt32(d + 8, n, true);
      view.setInt32(d + 12, Math.min(frameLength, 0x7fffffff), true);
      count++;
      pos += n;
      if (!isEnd) {
        set64(L.S_REMAINING, remaining - n);
        setWord(L.S_KEY_PHASE, (keyPhase + n) & 3);
        break;
      }
      set64(L.S_REMAINING, 0);
      phase = L.PHASE_HEADER;
      if (opcode === OPCODE_CLOSE) {
        phase = L.PHASE_STOPPED;
      } else if (!isControlOpcode(opcode) && fin) {
        setWord(L.S_MESSAGE, 0);
        set64(L.S_MESSAGE_LENGTH, 0);
      }
      if ((flags & (L.D_UTF8 | L.D_VIEW)) === L.D_UTF8) break;
    }
    if (word(L.S_PHASE) !== L.PHASE_STOPPED) setWord(L.S_PHASE, phase);
    setWord(L.S_CONSUMED, pos);
    setWord(L.S_VIEW_START, viewStart);
    setWord(L.S_VIEW_END, viewEnd);
    setWord(L.S_PIECE_END, pieceEnd);
    return count;
  }

  return {
    frameStatePtr: (): number => STATE,
    frameTablePtr: (): number => TABLE,
    frameTableEntries: (): number => TABLE_ENTRIES,
    decodeFrames,
  };
}
