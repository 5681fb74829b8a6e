/**
 * permessage-deflate for the server and the client: the handshake's side
 * (offer, answer, check) on the codec's negotiation, and the connection's
 * extension state on the node:zlib engine. Compression is synchronous: a
 * message is compressed inside `send`, inflated inside the read that
 * completes it.
 */
import { acceptOffer, checkResponse, formatOffer, type ResolvedDeflateOptions } from '../codec/deflate/negotiate.js';
import type { MessageDeflate } from '../codec/deflate/types.js';
import { zlibDeflate } from '../codec/deflate/zlib.js';
import { RSV1 } from '../codec/protocol.js';
import type { Extension } from './connection.js';
import { encodeShared, type EncodedFrame, type Role } from './frames.js';

export { UnrequestedExtensionError, resolveDeflateOptions, type DeflateOptions, type ResolvedDeflateOptions } from '../codec/deflate/negotiate.js';

/** One connection's permessage-deflate: what was agreed and the engine doing it. */
export class DeflateExtension implements Extension {
  /**
   * Messages compressed by a compressor without context takeover come out the
   * same for every connection with the same settings: a broadcast compresses
   * once per `sharedKey`. Undefined when this connection keeps its own context.
   */
  readonly sharedKey: string | undefined;
  /** Whether the message being sent in fragments is compressed (decided by its first fragment). */
  private compressing = false;
  rsv1 = false;
  lent = false;

  constructor(readonly header: string, readonly deflate: MessageDeflate, role: Role, options: ResolvedDeflateOptions) {
    const p = deflate.params;
    const keepsContext = role === 'server' ? !p.serverNoContextTakeover : !p.clientNoContextTakeover;
    const bits = role === 'server' ? p.serverMaxWindowBits : p.clientMaxWindowBits;
    this.sharedKey = keepsContext ? undefined : `${options.level}/${options.memLevel}/${bits}`;
  }

  /**
   * Compresses one outgoing data frame's payload when its message is
   * compressed: `compress` (default true) and, for a message sent whole, at
   * least `threshold` bytes. A fragmented message is decided by its first
   * fragment. A compressed payload is lent (the compressor's memory: see `Extension.lent`).
   */
  encode(payload: Uint8Array, first: boolean, fin: boolean, compress = true): Uint8Array {
    if (first) this.compressing = compress && (!fin || payload.length >= this.deflate.threshold);
    this.rsv1 = first && this.compressing;
    this.lent = this.compressing;
    return this.compressing ? this.deflate.compress(payload, fin, true) : payload;
  }

  close(): void {
    this.deflate.close();
  }
}

/**
 * The frame of a whole message (`opcode` text or binary) compressed once for
 * every connection whose extension has `sharedKey` (no context takeover: the
 * same bytes for all of them); made at the first call per key, kept in `frames`.
 */
export function sharedCompressed(sharedKey: string, deflate: MessageDeflate, opcode: number, payload: Uint8Array, frames: Map<string, EncodedFrame>): EncodedFrame {
  let frame = frames.get(sharedKey);
  if (frame === undefined) frames.set(sharedKey, (frame = encodeShared(opcode | RSV1, deflate.compress(payload))));
  return frame;
}

/**
 * The server's answer to a request's `Sec-WebSocket-Extensions`: the header
 * line to add to the 101 and the connection's extension, or undefined when no
 * offer is accepted (the connection goes on uncompressed).
 * @throws {ExtensionHeaderError} for a header that breaks the grammar (answer 400)
 */
export function acceptDeflate(offers: string | undefined, options: ResolvedDeflateOptions): DeflateExtension | undefined {
  if (offers === undefined) return undefined;
  const accepted = acceptOffer(offers, options);
  if (accepted === undefined) return undefined;
  return new DeflateExtension(accepted.header, zlibDeflate(accepted.params, 'server', options), 'server', options);
}

/** The client's `Sec-WebSocket-Extensions` request line value. */
export function offerDeflate(options: ResolvedDeflateOptions): string {
  return formatOffer(options);
}

/**
 * The client's check of the server's answer: the connection's extension, or
 * undefined when the server accepted none.
 * @throws {ExtensionHeaderError} for an answer the client must fail the connection on
 */
export function checkDeflate(answer: string | undefined, options: ResolvedDeflateOptions): DeflateExtension | undefined {
  const params = checkResponse(answer, options);
  if (params === undefined) return undefined;
  return new DeflateExtension(answer!, zlibDeflate(params, 'client', options), 'client', options);
}
