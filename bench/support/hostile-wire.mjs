// Raw WebSocket client pieces for the hostile-client probes: an upgrade over a
// plain socket, and masked frame headers with a zero key (so payload bytes go
// out as they are, with no masking work in the load generator).
import net from 'node:net';

export const UPGRADE = 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** A masked frame header (first byte as given, e.g. 0x82 = FIN + binary) for `length` payload bytes, key 0. */
export function frameHeader(first, length) {
  if (length < 126) return Buffer.from([first, 0x80 | length, 0, 0, 0, 0]);
  if (length < 65536) return Buffer.from([first, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]);
  const header = Buffer.alloc(14);
  header[0] = first;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

/** A socket upgraded to WebSocket on 127.0.0.1:`port` (rejects unless the answer is 101). */
export function open(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let head = '';
    const onData = (data) => {
      head += data.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
      else resolve(socket);
    };
    socket.on('data', onData);
    socket.on('error', () => {}); // resets are part of the probes
    socket.once('close', () => reject(new Error('closed during the handshake')));
    socket.write(UPGRADE);
  });
}
