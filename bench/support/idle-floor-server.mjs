// The idle-memory floor for bench/echo.bench.mjs: `node idle-floor-server.mjs`, a
// bare node:net server that does per connection only what any WebSocket server
// on node:net must: accept with the options wsframe's listener uses
// (pauseOnConnect, noDelay), read into one shared buffer (reader.ts's readInto,
// from this checkout's build, as wsframe does), answer a read (an idle client's
// only one: its request head) with a 101 whose Sec-WebSocket-Accept is a SHA-1 (createHash, as wsframe and ws do),
// and keep the socket with one 'error' and one 'close' listener. It parses
// nothing and keeps no WebSocket state, so what a server holds per idle
// connection beyond this is its own. Same IPC as echo-server.mjs: sends
// { port, addons } once listening; answers 'usage' with memory after a GC.
import { createHash } from 'node:crypto';
import net from 'node:net';

const build = new URL('../../build/esm/server/', import.meta.url);
const { readInto } = await import(new URL('reader.js', build).href);
const { readBuffer } = await import(new URL('memory.js', build).href);
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const KEY = /Sec-WebSocket-Key: *([^\r]*)/i;
const sockets = new Set();

function forget() {
  sockets.delete(this);
}

/** A read: an idle client's request head (idle-connect.mjs sends it in one write); answered with a 101. */
function onRead(length) {
  const head = Buffer.from(readBuffer.buffer, readBuffer.byteOffset, length).toString('latin1');
  const accept = createHash('sha1').update(`${KEY.exec(head)?.[1] ?? ''}${GUID}`).digest('base64');
  this.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
}

const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
  sockets.add(socket);
  socket.on('error', () => socket.destroy());
  socket.on('close', forget);
  if (!readInto(socket, readBuffer, onRead)) throw new Error('readInto is not available on this Node');
  socket.resume();
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, addons: 'none (node:net, no WebSocket)' }));

process.on('message', async (message) => {
  if (message === 'usage') {
    for (let i = 0; i < 2; i++) {
      global.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const memory = process.memoryUsage();
    process.send({ cpu: process.cpuUsage(), rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external + memory.arrayBuffers, clients: sockets.size });
  } else if (message === 'exit') process.exit(0);
});
