/**
 * Reads a socket straight into WASM memory.
 *
 * `net.Socket`'s `onread` option ({ buffer, callback }) makes libuv read into
 * a caller-owned buffer instead of allocating one per read. Node offers it
 * only to sockets the caller constructs; an accepted socket (from
 * `net.Server`) or an upgraded one (from `http.Server`) was constructed by
 * Node. Both are the same `net.Socket` class, so this module switches them to
 * the same mode after the fact: it sets the per-socket fields the `onread`
 * option would have set (found by their symbol descriptions on a probe socket)
 * and calls the handle's `useUserBuffer`, both in one tick so no read falls
 * between. Where that is impossible (a TLS socket, a future Node without these
 * fields) the caller falls back to 'data' events and one copy into the region.
 *
 * Memory ownership: every socket in the realm reads into the same `buffer`.
 * The bytes of one read are valid only during `onRead`; the callback must
 * consume or copy them before it returns (Node runs one read callback at a time).
 */
import net from 'node:net';

type Fields = { buffer: symbol; callback: symbol; generator: symbol };

function probe(): Fields | undefined {
  const symbols = new Map(Object.getOwnPropertySymbols(new net.Socket()).map((s) => [s.description, s]));
  const buffer = symbols.get('kBuffer');
  const callback = symbols.get('kBufferCb');
  const generator = symbols.get('kBufferGen');
  return buffer && callback && generator ? { buffer, callback, generator } : undefined;
}

const fields = probe();

interface StreamHandle {
  useUserBuffer?(buffer: Uint8Array): void;
}

/**
 * Makes every later read of `socket` land in `buffer` and calls
 * `onRead(length)` (with the socket as `this`, so one function can serve every socket) with the bytes at `buffer[0, length)`; returning `false`
 * from it stops reading (as `socket.pause()`). Bytes Node already buffered
 * are delivered first, through the same callback. Called again on the same
 * socket, it only replaces the callback (the handshake hands over to the
 * connection this way). Returns false, changing nothing, when the socket
 * cannot read into a user buffer; reading is started or resumed by the caller.
 */
export function readInto(socket: net.Socket, buffer: Uint8Array, onRead: (this: net.Socket, length: number) => boolean | void): boolean {
  // A Duplex that is no net.Socket (handleUpgrade takes any) has no handle at all.
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (fields === undefined || handle == null || typeof handle.useUserBuffer !== 'function') return false;
  if (socket.constructor !== net.Socket) return false; // TLS and other wrappers own their reads
  const target = socket as unknown as Record<symbol, unknown>;
  if (target[fields.buffer] === buffer) {
    // Already reading into `buffer`: hand the reads to the new owner.
    target[fields.callback] = onRead;
    return true;
  }
  if (target[fields.buffer]) return false;
  // Drain what the previous owner (the http parser) left buffered; chunks
  // from the 'data' path are copied into `buffer` in pieces that fit.
  let chunk: Buffer | null;
  while ((chunk = socket.read() as Buffer | null) !== null) {
    for (let at = 0; at < chunk.length; at += buffer.length) {
      const piece = chunk.subarray(at, at + buffer.length);
      buffer.set(piece);
      onRead.call(socket, piece.length);
    }
  }
  target[fields.buffer] = buffer;
  target[fields.callback] = onRead; // Node calls it with the socket as `this`
  target[fields.generator] = null;
  handle.useUserBuffer(buffer);
  return true;
}
