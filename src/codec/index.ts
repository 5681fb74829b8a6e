/**
 * wsframe: the runtime-agnostic WebSocket frame codec (Uint8Array in, Uint8Array out).
 * Imports nothing from `node:*`, so the same module serves Node, Deno, Bun,
 * Cloudflare Workers and browsers.
 */
export { mask, unmask, maskIO, MASK_WASM_THRESHOLD } from './mask.js';
export { io, IO_SIZE } from './wasm.js';
export { implementation, type Implementation } from './wasm.js';
export { FrameDecoder, DEFAULT_MAX_PAYLOAD, type FrameDecoderOptions, type ViewType } from './frame-decoder.js';
export { FrameError } from './errors.js';
export { isValidCloseCode } from './protocol.js';
export type { FrameCore } from './frame-core.js';
export { FrameEncoder, type FrameEncoderOptions } from './frame-encoder.js';
export {
  OPCODE_CONTINUATION, OPCODE_TEXT, OPCODE_BINARY, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG,
} from './protocol.js';
export { isValidUTF8, isValidUTF8IO, Utf8Validator, UTF8_WASM_THRESHOLD } from './utf8.js';
export type { Utf8Input } from './utf8.js';
export type { MessageDeflate } from './deflate/types.js';
