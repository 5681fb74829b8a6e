// Hostile clients for bench/hostile.bench.mjs, in a process of their own (so the
// bystander measured by the parent is not slowed by their sending):
//   node hostile-clients.mjs partial <port> <clients> <frameBytes> <sendBytes>
//     each client sends the header of one binary frame of frameBytes and then
//     sendBytes of its payload, and never finishes it;
//   node hostile-clients.mjs flood <port> <clients> <sendBytes>
//     each client sends 64 KiB binary messages, up to sendBytes, and never reads;
//     a client is done when all is sent, when the server stops reading for
//     STALL ms, or when the server closes it.
// Reports { sent, closed, seconds } over IPC when every client is done, then waits
// for 'exit' (the sockets stay open until then).
import { performance } from 'node:perf_hooks';
import { frameHeader, open } from './hostile-wire.mjs';

const [mode, port, clients, ...sizes] = process.argv.slice(2).map((v, i) => (i === 0 ? v : Number(v)));
const STALL = 3_000;
const CHUNK = Buffer.alloc(65536, 0x5a);
const MESSAGE = Buffer.concat([frameHeader(0x82, CHUNK.length), CHUNK]); // masked with a zero key: the bytes as they are

/** Writes `total` bytes of `chunk` (the last one cut), resolving when done, closed or stalled. */
function pump(socket, chunk, total) {
  return new Promise((resolve) => {
    let sent = 0;
    let timer;
    const finish = () => {
      clearTimeout(timer);
      socket.off('drain', write);
      resolve({ sent, closed: socket.destroyed });
    };
    const stalled = () => (timer = setTimeout(finish, STALL));
    function write() {
      clearTimeout(timer);
      while (sent < total && !socket.destroyed) {
        const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
        sent += piece.length;
        if (!socket.write(piece)) return stalled();
      }
      finish();
    }
    socket.on('drain', write);
    socket.once('close', finish);
    write();
  });
}

const started = performance.now();
const sockets = await Promise.all(Array.from({ length: clients }, () => open(port)));
let results;
if (mode === 'partial') {
  const [frameBytes, sendBytes] = sizes;
  results = await Promise.all(sockets.map((s) => {
    s.write(frameHeader(0x82, frameBytes));
    return pump(s, CHUNK, sendBytes);
  }));
} else if (mode === 'flood') {
  const [sendBytes] = sizes;
  for (const s of sockets) s.pause(); // never read
  results = await Promise.all(sockets.map((s) => pump(s, MESSAGE, Math.ceil(sendBytes / MESSAGE.length) * MESSAGE.length)));
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.send({
  sent: results.reduce((a, r) => a + r.sent, 0),
  closed: results.filter((r) => r.closed).length,
  seconds: (performance.now() - started) / 1000,
});
process.on('message', (m) => {
  if (m === 'exit') {
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});
