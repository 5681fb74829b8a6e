// A loopback TCP relay in front of a server that reads the WebSocket frames
// going through it, both ways: what a browser really sent and received, which
// its `WebSocket` API does not show (RSV1: was a message compressed?). Plain
// HTTP connections (the page itself) are relayed untouched.
import net from 'node:net';

/** Per direction: data messages seen, how many of them compressed (RSV1 on the first frame), payload bytes. */
function counter() {
  return { messages: 0, compressed: 0, payloadBytes: 0 };
}

/**
 * Reads frames from the bytes after an HTTP head, across reads: calls
 * `count(rsv1, payloadLength)` at the first frame of each data message.
 */
function frameReader(count) {
  let head = true;
  let pending = Buffer.alloc(0);
  let skip = 0;
  let inMessage = false;
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    if (head) {
      const end = pending.indexOf('\r\n\r\n');
      if (end === -1) return;
      head = false;
      pending = pending.subarray(end + 4);
    }
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, pending.length);
        skip -= n;
        pending = pending.subarray(n);
        if (skip > 0) return;
      }
      if (pending.length < 2) return;
      const short = pending[1] & 0x7f;
      const masked = (pending[1] & 0x80) !== 0;
      const h = (short < 126 ? 2 : short === 126 ? 4 : 10) + (masked ? 4 : 0);
      if (pending.length < h) return;
      const length = short < 126 ? short : short === 126 ? pending.readUInt16BE(2) : Number(pending.readBigUInt64BE(2));
      const opcode = pending[0] & 0x0f;
      const fin = (pending[0] & 0x80) !== 0;
      if (opcode === 1 || opcode === 2) count((pending[0] & 0x40) !== 0, length);
      else if (opcode === 0 && inMessage) count(null, length);
      if (opcode < 8) inMessage = !fin;
      pending = pending.subarray(h);
      skip = length;
    }
  };
}

/**
 * Starts a relay on 127.0.0.1 (random port) to `port`. Returns its port, the
 * counters `{ sent, received }` (from the client's side) and `close()`.
 */
export async function startFrameTap(port) {
  const sent = counter();
  const received = counter();
  const tally = (c) => (rsv1, length) => {
    if (rsv1 !== null) {
      c.messages++;
      if (rsv1) c.compressed++;
    }
    c.payloadBytes += length;
  };
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    let websocket;
    const toServer = frameReader(tally(sent));
    const toClient = frameReader(tally(received));
    client.on('data', (chunk) => {
      // The first bytes tell a WebSocket upgrade from a plain HTTP request.
      websocket ??= /^upgrade: *websocket/im.test(chunk.toString('latin1'));
      if (websocket) toServer(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (websocket) toClient(chunk);
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    sent,
    received,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
