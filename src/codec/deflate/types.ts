/**
 * What the frame codec needs from a permessage-deflate engine: one side of one
 * connection's agreed extension. Runtime-agnostic: engines live beside this
 * (node-zlib.ts and pako.ts, chosen once per runtime by load.ts), the codec
 * only calls them.
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
   * flush marker, and the message goes on with the next call. With `borrow`
   * the result may instead be a view of the compressor's own memory, valid
   * only until the next `compress` of any connection in this realm: for a
   * caller that copies it into its output at once (the server's send path),
   * where a caller-owned copy would be one more copy and allocation per message.
   */
  compress(data: Uint8Array, fin?: boolean, borrow?: boolean): Uint8Array;
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

/** The compressor settings an engine takes from the options (`ResolvedDeflateOptions` has them). */
export interface DeflateSettings {
  level: number;
  memLevel: number;
  threshold: number;
}

/**
 * One raw DEFLATE or INFLATE stream of a zlib implementation, driven
 * synchronously one zlib call at a time. Everything else (sync-flush
 * framing, limits, shared and dedicated state) is engine-independent
 * (message.ts), so each engine only says how to make and step its streams.
 */
export interface RawStream {
  /**
   * One zlib call with Z_SYNC_FLUSH on `input[at, …)`, writing into `output`
   * from its start; with `forget` (compressors only), Z_FULL_FLUSH: once the
   * flush is written, the history is forgotten as by `reset()`, in the same
   * call. Sets `produced` (bytes written) and `consumed` (the index in `input`
   * reached). Returns false when the input is not valid DEFLATE.
   */
  step(input: Uint8Array, at: number, output: Uint8Array, forget?: boolean): boolean;
  readonly produced: number;
  readonly consumed: number;
  /** Forgets the stream's history (and any error): the next message starts afresh. */
  reset(): void;
  /** Frees the stream. */
  close(): void;
}

/** A zlib implementation (`node:zlib`, pako): makes raw DEFLATE streams. */
export interface DeflateEngine {
  /** 'node:zlib' or 'pako'. */
  readonly name: string;
  /**
   * The messages the WASM module takes over from this engine without context takeover, where WebAssembly
   * runs: of 1 to `compress` bytes to compress (wasm-compressor.ts), of up to `inflate` compressed bytes to
   * inflate (wasm-inflater.ts). Chosen per engine by measurement (docs/codec.md, "Which engine, per runtime"):
   * native zlib is as fast past a few KiB, pako never is. Optional so that an engine written against the
   * earlier interface still works: without it, the engine does all of that work itself.
   */
  readonly wasmMax?: { readonly compress: number; readonly inflate: number };
  /** A raw DEFLATE compressor; `windowBits` 9–15 (message.ts maps an agreed 8 to 9). */
  deflater(level: number, memLevel: number, windowBits: number): RawStream;
  /** A raw DEFLATE decompressor with a window of 2^`windowBits` bytes (8–15). */
  inflater(windowBits: number): RawStream;
}
