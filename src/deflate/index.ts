/**
 * wsframe/deflate: permessage-deflate (RFC 7692) for the codec, in any
 * runtime: the `Sec-WebSocket-Extensions` negotiation (pure functions over
 * header text) and the engine that compresses and inflates messages for
 * `new FrameDecoder({ deflate })` / `new FrameEncoder({ deflate })`.
 * `await deflateEngine()` picks `node:zlib` where the runtime has it (Node,
 * Deno, Bun) and loads pako elsewhere (browsers, workerd). A subpath of its
 * own, so the codec's entry stays small for those who do not compress.
 */
export { deflateEngine, type DeflateEngineName } from '../codec/deflate/load.js';
export { messageDeflate } from '../codec/deflate/message.js';
export type { DeflateEngine, DeflateSettings, MessageDeflate, RawStream } from '../codec/deflate/types.js';
export {
  acceptOffer, checkResponse, formatOffer, resolveDeflateOptions, ExtensionHeaderError, PERMESSAGE_DEFLATE,
  type Acceptance, type DeflateMode, type DeflateOptions, type DeflateParams, type ResolvedDeflateOptions,
} from '../codec/deflate/negotiate.js';
