// Opens N idle WebSocket connections to a server (bench/echo.bench.mjs's memory
// test): `node idle-connect.mjs <port> <count>`. Handshakes go out in waves of
// 500; reports { open } over IPC once all are open, then holds them until told to exit.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const [port, count] = process.argv.slice(2).map(Number);
const WAVE = 500;
const sockets = [];

function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', reject);
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    socket.once('data', (chunk) => {
      if (chunk.toString('latin1', 0, 12) === 'HTTP/1.1 101') resolve(socket);
      else reject(new Error(chunk.toString()));
    });
  });
}

for (let done = 0; done < count; done += WAVE) {
  const wave = await Promise.all(Array.from({ length: Math.min(WAVE, count - done) }, open));
  sockets.push(...wave);
}
process.send({ open: sockets.length });
process.on('message', (message) => {
  if (message === 'exit') {
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  }
});
