// The load generator for the fan-out benchmarks (bench/fanout.bench.mjs, bench/redis.bench.mjs):
//   node fanout-load.mjs <json options>
// options: { pub: 'ws://host:port/topic', sub: 'ws://host:port/topic', subscribers, size, seconds, mode, rate }
// Opens `subscribers` raw WebSocket connections to `sub` and one publisher
// connection to `pub` (both on the same topic). Subscribers count frames by
// walking their headers (server frames are unmasked), the same small work for
// every server. Two modes:
// - 'throughput': the publisher sends bursts of BURST masked binary messages; the next burst
//   leaves once the slowest subscriber is less than two bursts behind (so up
//   to about 128 messages per subscriber are in flight). Reports deliveries/s
//   (messages received by all subscribers per second) over the measured window,
//   then waits for the stragglers and reports how many messages never arrived.
// - 'latency': the publisher sends one message every 1/rate s, each carrying its
//   send time; subscribers record publish→receive times (p50/p99).
// Reports JSON lines over IPC: { ready } once every subscriber is connected and
// subscribed, then the result.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const options = JSON.parse(process.argv[2]);
const { subscribers: SUBSCRIBERS, size: SIZE, seconds: SECONDS, mode: MODE, rate: RATE = 1000 } = options;
const BURST = 64;
const WARMUP_MS = 1000;
if (SIZE < 8) throw new Error('messages carry an 8-byte timestamp: size >= 8');

function connect(url, onFrame) {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    let handshaken = false;
    let head = '';
    // Frame walker state: payload bytes still to skip, and a partial header.
    let skip = 0;
    const header = Buffer.alloc(14);
    let headerLength = 0;
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.setNoDelay(true);
    socket.on('error', reject);
    const walk = (chunk, start) => {
      let i = start;
      const n = chunk.length;
      while (i < n) {
        if (skip > 0) {
          const take = Math.min(skip, n - i);
          skip -= take;
          i += take;
          continue;
        }
        // A header: 2 bytes, then 2 or 8 more for longer payloads.
        let b0;
        let b1;
        let at;
        let src;
        if (headerLength === 0 && n - i >= 10) {
          src = chunk;
          at = i;
        } else {
          while (headerLength < 2 && i < n) header[headerLength++] = chunk[i++];
          if (headerLength < 2) return;
          const need = (header[1] & 0x7f) === 126 ? 4 : (header[1] & 0x7f) === 127 ? 10 : 2;
          while (headerLength < need && i < n) header[headerLength++] = chunk[i++];
          if (headerLength < need) return;
          src = header;
          at = 0;
        }
        b0 = src[at];
        b1 = src[at + 1] & 0x7f;
        let length = b1;
        let headerSize = 2;
        if (b1 === 126) {
          length = (src[at + 2] << 8) | src[at + 3];
          headerSize = 4;
        } else if (b1 === 127) {
          length = src.readUInt32BE(at + 6);
          headerSize = 10;
        }
        if (src === chunk) i += headerSize;
        headerLength = 0;
        // The payload starts at chunk[i] (whole or in part): a timestamp is read when its 8 bytes are here.
        onFrame(b0 & 0x0f, length, i + 8 <= n ? chunk : null, i);
        skip = length;
      }
    };
    socket.on('data', (chunk) => {
      if (handshaken) {
        walk(chunk, 0);
        return;
      }
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      if (!head.startsWith('HTTP/1.1 101')) {
        reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
        return;
      }
      handshaken = true;
      const rest = Buffer.from(head.slice(end + 4), 'latin1');
      resolve(socket);
      if (rest.length > 0) walk(rest, 0);
    });
    socket.on('connect', () => {
      socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
  });
}

/** A masked binary frame of SIZE bytes whose first 8 carry `time` (ms, float64). */
function frame(time) {
  const payload = Buffer.alloc(SIZE, 0x61);
  payload.writeDoubleLE(time, 0);
  // Binary: the timestamp's bytes are not UTF-8 text.
  const header = SIZE < 126 ? Buffer.from([0x82, 0x80 | SIZE]) : Buffer.from([0x82, 0x80 | 126, SIZE >> 8, SIZE & 0xff]);
  const key = randomBytes(4);
  for (let i = 0; i < SIZE; i++) payload[i] ^= key[i & 3];
  return Buffer.concat([header, key, payload]);
}

const received = new Float64Array(SUBSCRIBERS);
let measuring = false;
let measured = 0;
const latencies = [];

const subs = [];
for (let s = 0; s < SUBSCRIBERS; s++) {
  subs.push(await connect(options.sub, (opcode, length, chunk, at) => {
    if (opcode !== 1 && opcode !== 2) return;
    received[s]++;
    if (measuring) {
      measured++;
      if (MODE === 'latency' && chunk !== null) latencies.push(performance.now() - chunk.readDoubleLE(at));
    }
  }));
}
const publisher = await connect(options.pub, () => {});

// Every subscriber is subscribed once a probe reaches all of them.
await new Promise((resolve) => {
  const probe = setInterval(() => publisher.write(frame(0)), 50);
  const check = setInterval(() => {
    if (received.every((n) => n > 0)) {
      clearInterval(probe);
      clearInterval(check);
      resolve();
    }
  }, 10);
});
await new Promise((resolve) => setTimeout(resolve, 200));
const base = received.slice();
let sent = 0; // messages sent after the probes
process.send({ ready: true });

if (MODE === 'throughput') {
  const burst = Buffer.concat(Array.from({ length: BURST }, () => frame(0)));
  // Whether every subscriber is less than two bursts behind (counted from its own baseline: probes differ).
  const behind = () => {
    const need = sent - 2 * BURST + 1;
    let ok = 0;
    for (let s = 0; s < SUBSCRIBERS; s++) if (received[s] - base[s] >= need) ok++;
    return ok === SUBSCRIBERS;
  };
  let start = 0;
  let stopped = false;
  const send = () => {
    publisher.write(burst);
    sent += BURST;
  };
  // Event-driven pacing: after each socket read the check runs once per tick.
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    while (!stopped && behind()) send();
  };
  for (const sub of subs) sub.on('data', () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(pump);
    }
  });
  send();
  send();
  setTimeout(() => {
    measuring = true;
    start = performance.now();
  }, WARMUP_MS);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS + SECONDS * 1000));
  measuring = false;
  const elapsed = (performance.now() - start) / 1000;
  stopped = true;
  // Stragglers: wait until every subscriber has everything, or 5 s.
  const end = Date.now() + 5000;
  while (Date.now() < end && !received.every((n, s) => n - base[s] >= sent)) await new Promise((resolve) => setTimeout(resolve, 20));
  let lost = 0;
  for (let s = 0; s < SUBSCRIBERS; s++) lost += Math.max(0, sent - (received[s] - base[s]));
  process.send({ deliveries: measured / elapsed, sent, lost, subscribers: SUBSCRIBERS });
} else {
  const interval = 1000 / RATE;
  let next = performance.now();
  const start = performance.now();
  let timer;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (!measuring && now - start > WARMUP_MS) measuring = true;
      if (now - start > WARMUP_MS + SECONDS * 1000) {
        resolve();
        return;
      }
      // Open loop: messages leave on schedule (several if the timer was late), each stamped with when it was due.
      while (next <= now) {
        publisher.write(frame(next));
        sent++;
        next += interval;
      }
      timer = setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
  clearTimeout(timer);
  measuring = false;
  await new Promise((resolve) => setTimeout(resolve, 500));
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  process.send({ samples: latencies.length, p50: pct(0.5), p99: pct(0.99), rate: RATE, subscribers: SUBSCRIBERS });
}
for (const socket of [...subs, publisher]) socket.destroy();
process.exit(0);
