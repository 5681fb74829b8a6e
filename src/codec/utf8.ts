/**
 * UTF-8 validation (RFC 3629, as RFC 6455 §8.1 requires of text messages):
 * one-shot, streaming with fail-fast, and in place in the I/O region.
 */
import { assertIndex } from './bytes.js';
import { validateUtf8Bytes } from './fallback/utf8.js';
import { COPY_BLOCK, ioHead } from './io.js';
import { UTF8_INVALID } from './layout.js';
import { IO_PTR, IO_SIZE, io, kernels } from './wasm.js';

/**
 * Below this many bytes the JS automaton (the kernel's TypeScript twin) is
 * faster: the kernel runs its scalar automaton there too (no full 16-byte
 * block), and the call plus copy cost a fixed ~25 ns. From 16 bytes up the
 * kernel wins: at 16 B they tie, at 64 B it is 2.5–6× faster (measured on
 * Node 20 with ASCII, Latin and mixed text).
 */
export const UTF8_WASM_THRESHOLD = 16;

/**
 * The runtime's `buffer.isUtf8` (simdutf, with AVX2 or AVX-512 where the CPU
 * has them) on Node (≥ 20.16 and 22.3, through `process.getBuiltinModule`)
 * and Bun; otherwise undefined. On non-ASCII text it runs at about 3× the
 * WASM kernel (10 GB/s on every Node since the kernel's constants are loaded,
 * 4.5–5 on Bun's JavaScriptCore) from a few KiB on, even called on a view of
 * WASM memory: WebAssembly has only 128-bit vectors and V8 adds a fix-up to
 * every `i8x16.swizzle`. On ASCII the kernel wins up to 16 KiB on Node and
 * ties above. Deno's `isUtf8` is not simdutf (1.4 GB/s, a fifth of the
 * kernel), so Deno keeps the kernel. docs/utf8.md has the figures per runtime.
 */
export const nativeIsUtf8: ((bytes: Uint8Array) => boolean) | undefined = (() => {
  const scope = globalThis as { process?: { versions?: Record<string, string | undefined>; getBuiltinModule?(id: string): unknown } };
  const versions = scope.process?.versions;
  if (!versions?.node || versions.deno || typeof scope.process?.getBuiltinModule !== 'function') return undefined;
  const isUtf8 = (scope.process.getBuiltinModule('buffer') as { isUtf8?: unknown } | undefined)?.isUtf8;
  return typeof isUtf8 === 'function' ? (isUtf8 as (bytes: Uint8Array) => boolean) : undefined;
})();

/**
 * From this many bytes (of a JS buffer, or of non-ASCII text in WASM memory
 * after its ASCII prefix) `nativeIsUtf8` replaces the kernel. Measured per
 * call on Node 20, 22, 24 and 26 and Bun 1.4 (docs/utf8.md): on non-ASCII
 * text the native call wins from 256–512 B on a JS buffer (no copy into WASM
 * memory) and from 512 B–1 KiB on a view of WASM memory (creating the view
 * costs 20–40 ns); on ASCII in a JS buffer they tie at 1 KiB on Node, while
 * below it the copy and the kernel are up to 10% faster on Node 22–26 (on Bun
 * the native call wins from 512 B on everything). 1 KiB is the one size where
 * neither loses on any of them.
 */
export const UTF8_NATIVE_THRESHOLD = 1024;

/**
 * Streaming validation with `nativeIsUtf8`, exact as the kernel is: continues
 * from `state` over all of `bytes` and returns the new state (UTF8_INVALID as
 * soon as the bytes so far cannot be a prefix of valid UTF-8). The JS automaton
 * finishes a character left open by earlier bytes and checks the last one to
 * three bytes; the native validator checks the whole characters between, which
 * end where a lead byte in the last three bytes starts the final character
 * (a lead can only start one). `bytes` must be longer than 6 bytes.
 */
export function validateUtf8Native(bytes: Uint8Array, state: number, isUtf8: (bytes: Uint8Array) => boolean): number {
  const end = bytes.length;
  // From a character boundary to the end of a whole character (pure ASCII, and most chunks): bytes that are
  // a prefix of valid UTF-8 would end at that boundary, so the native verdict on the whole is exact.
  if (state === 0 && endsWholeCharacter(bytes)) return isUtf8(bytes) ? 0 : UTF8_INVALID;
  let start = 0;
  if (state !== 0) {
    if ((state | 0) === UTF8_INVALID) return UTF8_INVALID;
    start = state >>> 16; // continuation bytes still needed: at most 3
    state = validateUtf8Bytes(bytes, 0, start, state);
    if (state !== 0) return state;
  }
  const last = bytes[end - 1] >= 0xc0 ? end - 1 : bytes[end - 2] >= 0xe0 ? end - 2 : bytes[end - 3] >= 0xf0 ? end - 3 : end;
  if (!isUtf8(bytes.subarray(start, last))) return UTF8_INVALID;
  return validateUtf8Bytes(bytes, last, end, 0);
}

/**
 * Whether the last lead byte of `bytes` (or an ASCII byte) is followed by
 * exactly the continuation bytes its character needs: then the bytes can be a
 * prefix of valid UTF-8 only if they are valid UTF-8 as a whole.
 */
function endsWholeCharacter(bytes: Uint8Array): boolean {
  const end = bytes.length;
  let at = end - 1;
  while (at > end - 4 && at > 0 && (bytes[at] & 0xc0) === 0x80) at--;
  const b = bytes[at];
  const size = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
  return at + size === end;
}

/** What every entry point accepts, checked before anything runs. */
export type Utf8Input = Uint8Array | ArrayBuffer;

function toBytes(value: unknown, name: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`${name} must be a Buffer, Uint8Array or ArrayBuffer`);
}

/** Continues validation from `state` over all of `bytes`; returns the new state. */
function validate(bytes: Uint8Array, state: number): number {
  const length = bytes.length;
  if (length < UTF8_WASM_THRESHOLD) return validateUtf8Bytes(bytes, 0, length, state);
  if (nativeIsUtf8 && length >= UTF8_NATIVE_THRESHOLD) return validateUtf8Native(bytes, state, nativeIsUtf8);
  for (let done = 0; done < length && state !== UTF8_INVALID; done += COPY_BLOCK) {
    const n = Math.min(COPY_BLOCK, length - done);
    io.set(n === length ? bytes : bytes.subarray(done, done + n));
    state = kernels.validateUtf8(IO_PTR, n, state);
  }
  return state;
}

/**
 * Whether `bytes` is complete, valid UTF-8: no overlong forms, surrogates,
 * code points above U+10FFFF, stray continuation bytes or truncated characters.
 * From 1 KiB on Node, Node's own validator runs (see `nativeIsUtf8`).
 * @throws {TypeError} if `bytes` is not a Buffer, Uint8Array or ArrayBuffer
 */
export function isValidUTF8(bytes: Utf8Input): boolean {
  const input = toBytes(bytes, 'bytes');
  // One text from its start: the native verdict is the answer, with no view and no automaton around it.
  if (nativeIsUtf8 && input.length >= UTF8_NATIVE_THRESHOLD) return nativeIsUtf8(input);
  return validate(input, 0) === 0;
}

/**
 * Validates a text that arrives in chunks (fragmented messages, partial reads)
 * and fails fast: `push` returns false at the first chunk after which the
 * bytes so far cannot be the start of valid UTF-8, and keeps returning false.
 * Holds only a number between calls; chunks are not retained.
 */
export class Utf8Validator {
  #state = 0;

  /** @throws {TypeError} when given arguments: it takes none (the bytes go to `push`) */
  constructor() {
    if (arguments.length > 0) {
      throw new TypeError(`new Utf8Validator() takes no arguments, got ${arguments.length}: pass the bytes to push(chunk), or use isValidUTF8(bytes)`);
    }
  }

  /**
   * Validates the next chunk. Returns false once the text so far is not a
   * prefix of valid UTF-8 (from then on every push returns false).
   * @throws {TypeError} if `chunk` is not a Buffer, Uint8Array or ArrayBuffer
   */
  push(chunk: Utf8Input): boolean {
    const bytes = toBytes(chunk, 'chunk');
    if (this.#state !== UTF8_INVALID) this.#state = validate(bytes, this.#state);
    return this.#state !== UTF8_INVALID;
  }

  /** Whether everything pushed is complete, valid UTF-8 (no character left open). */
  end(): boolean {
    return this.#state === 0;
  }

  /** Starts a new text. */
  reset(): void {
    this.#state = 0;
  }
}

/**
 * Whether `io[start, start + length)` is complete, valid UTF-8, for data
 * already in the I/O region: no copy, only the kernel.
 * @throws {TypeError|RangeError} when the range is not numbers inside the I/O region
 */
export function isValidUTF8IO(start: number, length: number): boolean {
  assertIndex(start, 'start');
  assertIndex(length, 'length');
  if (start + length > IO_SIZE) {
    throw new RangeError(`start ${start} + length ${length} is past the end of the I/O region (${IO_SIZE} bytes)`);
  }
  const ptr = IO_PTR + start;
  if (nativeIsUtf8 && length >= UTF8_NATIVE_THRESHOLD) {
    // The kernel settles ASCII (most JSON) in place, faster than a view and the native call on it; from the
    // first other byte (a character boundary: all before it are ASCII) the native validator takes the rest
    // if it is long enough to repay the view.
    const ascii = kernels.asciiPrefix(ptr, length);
    if (ascii === length) return true;
    if (length - ascii >= UTF8_NATIVE_THRESHOLD) {
      // Text read into the region's start (a socket read) gets a cached view: a new one costs 20–40 ns.
      const from = start + ascii;
      return nativeIsUtf8(from === 0 ? ioHead(length) : io.subarray(from, start + length));
    }
    return kernels.validateUtf8(ptr + ascii, length - ascii, 0) === 0;
  }
  return kernels.validateUtf8(ptr, length, 0) === 0;
}
