/**
 * What the frame codec needs from a permessage-deflate engine: one side of one
 * connection's agreed extension. Runtime-agnostic: engines live beside this
 * (zlib.ts for runtimes with `node:zlib`), the codec only calls them.
 */
import type { FrameError } from '../errors.js';
import type { DeflateParams } from './negotiate.js';

export interface MessageDeflate {
  /** What the handshake agreed. */
  readonly params: DeflateParams;
  /** Messages of at least this many bytes are compressed by default; smaller ones go out as they are. */
  readonly threshold: number;
  /**
   * Compresses one message (RFC 7692 §7.2.1): raw DEFLATE, flushed, without the
   * final `00 00 ff ff`. The result is the payload of the message's frames
   * (RSV1 on the first), owned by the caller. `fin: false` compresses one
   * fragment of a message the caller sends in pieces: its output keeps the
   * flush marker, and the message goes on with the next call.
   */
  compress(data: Uint8Array, fin?: boolean): Uint8Array;
  /**
   * Decompresses one message's payload (§7.2.2), never producing more than
   * `maxLength` bytes (0: no limit). `check` sees each inflated piece in order
   * and returns false to stop at once (text that is not UTF-8). Returns the
   * message (caller-owned JavaScript memory), or the error to close with:
   * 1009 past `maxLength`, 1007 for data that is not DEFLATE, or `check`'s
   * refusal (reported as invalid UTF-8, 1007).
   */
  decompress(data: Uint8Array, maxLength: number, check?: (piece: Uint8Array) => boolean): Uint8Array | FrameError;
  /** Frees the connection's compression state, if it has any. Safe to call twice. */
  close(): void;
}
