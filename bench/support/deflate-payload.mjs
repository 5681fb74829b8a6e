// The deflate benchmark's client side, shared by the load generator and the idle-memory step:
// JSON-like payloads (compressible as real traffic is), compressed client frames, and the
// opening handshake with an extension offer.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { jsonMessage } from './deflate-corpus.mjs';

/** `size` bytes of a JSON array of records (deflate-corpus.mjs), as a Buffer. */
export function jsonPayload(size, seed = 42) {
  return Buffer.from(jsonMessage(size, seed));
}

/**
 * One masked text frame carrying `payload` compressed as a client without
 * context takeover sends it (raw DEFLATE, sync flush, trailer removed, RSV1).
 */
export function compressedFrame(payload) {
  const data = zlib.deflateRawSync(payload, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
  const n = data.length;
  const header = n < 126 ? Buffer.from([0xc1, 0x80 | n]) : Buffer.from([0xc1, 0x80 | 126, n >> 8, n & 0xff]);
  const key = randomBytes(4);
  for (let i = 0; i < n; i++) data[i] ^= key[i & 3];
  return Buffer.concat([header, key, data]);
}

/** Opens a WebSocket offering `offer`; resolves with the socket once a 101 agreed permessage-deflate. */
export function openDeflate(port, offer) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${offer}\r\n\r\n`);
    let head = Buffer.alloc(0);
    const onHead = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onHead);
      const text = head.toString('latin1', 0, end);
      if (!text.startsWith('HTTP/1.1 101') || !/sec-websocket-extensions: *permessage-deflate/i.test(text)) reject(new Error(`no permessage-deflate: ${text}`));
      else resolve(socket);
    };
    socket.on('data', onHead);
  });
}
