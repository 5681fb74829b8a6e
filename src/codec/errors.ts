/** Protocol errors found while decoding, with the close code to send back (RFC 6455 §7.4). */
import * as L from './layout.js';

/**
 * A protocol error in received frames. `closeCode` is the status code to close
 * the connection with; `code` is a stable identifier, the same as ws's.
 */
export class FrameError extends Error {
  readonly closeCode: number;
  readonly code: string;

  constructor(message: string, closeCode: number, code: string) {
    super(message);
    this.name = 'FrameError';
    this.closeCode = closeCode;
    this.code = code;
  }
}

const ERRORS: Record<number, [message: string, closeCode: number, code: string]> = {
  [L.E_RSV_2_3]: ['RSV2 and RSV3 must be clear', 1002, 'WS_ERR_UNEXPECTED_RSV_2_3'],
  [L.E_RSV_1]: ['RSV1 must be clear', 1002, 'WS_ERR_UNEXPECTED_RSV_1'],
  // A reserved opcode, and a new data frame inside a fragmented message: the message names the frame's opcode (ws's words).
  [L.E_OPCODE]: ['invalid opcode', 1002, 'WS_ERR_INVALID_OPCODE'],
  [L.E_CONTINUATION]: ['invalid opcode 0', 1002, 'WS_ERR_INVALID_OPCODE'],
  [L.E_DATA_IN_MESSAGE]: ['invalid opcode', 1002, 'WS_ERR_INVALID_OPCODE'],
  [L.E_CONTROL_FIN]: ['FIN must be set', 1002, 'WS_ERR_EXPECTED_FIN'],
  [L.E_CONTROL_LENGTH]: ['invalid control frame payload length', 1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
  [L.E_EXPECTED_MASK]: ['MASK must be set', 1002, 'WS_ERR_EXPECTED_MASK'],
  [L.E_UNEXPECTED_MASK]: ['MASK must be clear', 1002, 'WS_ERR_UNEXPECTED_MASK'],
  [L.E_LENGTH_TOP_BIT]: ['invalid payload length: the most significant bit must be 0', 1002, 'WS_ERR_INVALID_PAYLOAD_LENGTH'],
  [L.E_LENGTH_UNSUPPORTED]: ['Unsupported WebSocket frame: payload length > 2^53 - 1', 1009, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'],
  [L.E_MAX_PAYLOAD]: ['Max payload size exceeded', 1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'],
  [L.E_UTF8]: ['invalid UTF-8 sequence', 1007, 'WS_ERR_INVALID_UTF8'],
  [L.E_DEFLATE_DATA]: ['invalid compressed data (permessage-deflate)', 1007, 'Z_DATA_ERROR'],
  [L.E_CLOSE_CODE]: ['invalid status code in close frame', 1002, 'WS_ERR_INVALID_CLOSE_CODE'],
  [L.E_FRAGMENTS]: ['Too many message fragments', 1008, 'WS_ERR_TOO_MANY_BUFFERED_PARTS'],
};

/**
 * The error for an E_* id from the decoder state. `head`, the offending
 * frame's first byte (the kernels leave it in S_HEAD for an opcode error),
 * names the opcode in the message of E_OPCODE and E_DATA_IN_MESSAGE.
 */
export function frameError(id: number, head = 0): FrameError {
  const [message, closeCode, code] = ERRORS[id];
  const named = id === L.E_OPCODE || id === L.E_DATA_IN_MESSAGE ? `${message} ${head & 0x0f}` : message;
  return new FrameError(named, closeCode, code);
}


/** zlib's status code for invalid compressed data (`zlib.constants.Z_DATA_ERROR`; no `node:` import here). */
const Z_DATA_ERROR = -3;

/**
 * `error` as ws's receiver reports it (what wsframe/server emits): a
 * RangeError for a framing error or a limit, an Error for invalid UTF-8 or
 * compressed data; the message is prefixed "Invalid WebSocket frame: " except
 * for limits (1009), and `code` and `closeCode` are kept.
 */
export function wsShapedError(error: FrameError): Error {
  const Class = error.code.startsWith('WS_ERR_') && error.code !== 'WS_ERR_INVALID_UTF8' ? RangeError : Error;
  const shaped = new Class(error.closeCode === 1009 ? error.message : `Invalid WebSocket frame: ${error.message}`);
  // ws hands over zlib's own error for invalid compressed data, whose errno is zlib's Z_DATA_ERROR.
  if (error.code === 'Z_DATA_ERROR') Object.assign(shaped, { errno: Z_DATA_ERROR });
  return Object.assign(shaped, { code: error.code, closeCode: error.closeCode });
}
