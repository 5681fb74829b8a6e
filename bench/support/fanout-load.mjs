// The load generator for the fan-out benchmarks (bench/fanout.bench.mjs, bench/scale.bench.mjs):
//   node fanout-load.mjs <json options>
// options: { pub: 'ws://host:port/topic', sub: 'ws://host:port/topic', subscribers, size, seconds, mode, rate, serverPid }
// Opens `subscribers` raw WebSocket connections to `sub` and one publisher
// connection to `pub` (both on the same topic). Every message carries an
// 8-byte stamp (float64) first: its sequence number (1, 2, …) in throughput
// mode, its send time in latency mode. Subscribers walk frame headers (server
// frames are unmasked) and read only the stamps, the same small work for every
// server, and check that their stamps only ever increase (out of order or
// duplicated otherwise). Two modes:
// - 'throughput': the publisher sends bursts of BURST masked binary messages;
//   the next burst leaves once the slowest subscriber is less than two bursts
//   behind (so up to about 128 messages per subscriber are in flight). Reports
//   deliveries/s (messages received by all subscribers per second) over the
//   measured window, then waits for the stragglers and reports how many
//   messages never arrived ('lost') and how many arrived out of order.
// - 'latency': the publisher sends one message every 1/rate s, each stamped
//   with its send time; subscribers record publish→receive times (p50/p99).
// Reports JSON lines over IPC: { ready } once every subscriber is connected and
// subscribed, then the result. With `serverPid` (Linux), the throughput result
// also has the server's CPU share over the window ('serverCpu', from /proc):
// near 1, the server is what limits the figure; far below 1 on a busy machine,
// the server waited for a core (compare the deliveries per server CPU second).
//
// Reads: every socket reads into one preallocated buffer (net's `onread`),
// walked synchronously in the read callback. With a stream's 'data' events
// instead, each read allocates a fresh 64 KiB buffer that the kernel then
// faults in page by page while copying into it; on this project's VMs those
// faults dominated the load generator's time, and how many reads hit fresh
// pages varied with the allocator's state from run to run: at 1 KiB that made
// the generator, not the server, the bottleneck, at a cost per byte that
// varied up to 15× between runs (see docs/scaling.md).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const options = JSON.parse(process.argv[2]);
const { subscribers: SUBSCRIBERS, size: SIZE, seconds: SECONDS, mode: MODE, rate: RATE = 1000 } = options;
const BURST = 64;
const WARMUP_MS = 1000;
/** Bytes per read: one buffer for all sockets (see the module comment). */
const READ_SIZE = 256 * 1024;
if (SIZE < 8) throw new Error('messages carry an 8-byte stamp: size >= 8');

/** CPU seconds the server process (`serverPid`) has used, or null where /proc cannot tell. */
function serverSeconds() {
  if (options.serverPid === undefined) return null;
  try {
    // Fields after the command's closing parenthesis: utime and stime (all threads) are the 12th and 13th, in 1/100 s.
    const fields = readFileSync(`/proc/${options.serverPid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Every socket's reads land here; each read is walked before the next one starts. Zero-filled: its pages are mapped once. */
const readBuffer = Buffer.alloc(READ_SIZE);

/**
 * Walks server frames (unmasked) read in arbitrary pieces and calls
 * `onMessage(stamp)` for every data frame with the float64 in its first 8
 * payload bytes, gathered across reads when a read ends inside them.
 */
class FrameWalker {
  constructor(onMessage) {
    this.onMessage = onMessage;
    /** Payload bytes still to skip. */
    this.skip = 0;
    /** A header split across reads. */
    this.header = Buffer.alloc(10);
    this.headerLength = 0;
    /** A stamp split across reads: bytes still wanted, and those gathered. */
    this.stamp = Buffer.alloc(8);
    this.stampWanted = 0;
  }

  push(chunk, start, end) {
    let i = start;
    while (i < end) {
      if (this.stampWanted > 0) {
        const take = Math.min(this.stampWanted, end - i);
        chunk.copy(this.stamp, 8 - this.stampWanted, i, i + take);
        this.stampWanted -= take;
        i += take;
        if (this.stampWanted === 0) this.onMessage(this.stamp.readDoubleLE(0));
        continue;
      }
      if (this.skip > 0) {
        const take = Math.min(this.skip, end - i);
        this.skip -= take;
        i += take;
        continue;
      }
      // A header: 2 bytes, then 2 or 8 more for longer payloads.
      let src = chunk;
      let at = i;
      if (this.headerLength > 0 || end - i < 10) {
        const header = this.header;
        while (this.headerLength < 2 && i < end) header[this.headerLength++] = chunk[i++];
        if (this.headerLength < 2) return;
        const need = (header[1] & 0x7f) === 126 ? 4 : (header[1] & 0x7f) === 127 ? 10 : 2;
        while (this.headerLength < need && i < end) header[this.headerLength++] = chunk[i++];
        if (this.headerLength < need) return;
        this.headerLength = 0;
        src = header;
        at = 0;
      }
      const opcode = src[at] & 0x0f;
      let length = src[at + 1] & 0x7f;
      let headerSize = 2;
      if (length === 126) {
        length = src.readUInt16BE(at + 2);
        headerSize = 4;
      } else if (length === 127) {
        length = src.readUInt32BE(at + 6);
        headerSize = 10;
      }
      if (src === chunk) i += headerSize;
      if ((opcode !== 1 && opcode !== 2) || length < 8) {
        this.skip = length;
      } else if (end - i >= 8) {
        this.onMessage(chunk.readDoubleLE(i));
        this.skip = length - 8;
        i += 8;
      } else {
        this.stampWanted = 8;
        this.skip = length - 8;
      }
    }
  }
}

/**
 * Opens a WebSocket connection to `url` whose frames go to `onMessage(stamp)`;
 * `afterRead()` runs after each read. Resolves with the socket once the
 * handshake is done.
 */
function connect(url, onMessage, afterRead) {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    let head = '';
    let walker = null;
    const socket = net.connect({
      host: hostname,
      port: Number(port),
      onread: {
        buffer: readBuffer,
        callback(n, buffer) {
          if (walker !== null) {
            walker.push(buffer, 0, n);
            afterRead();
            return;
          }
          head += buffer.latin1Slice(0, n);
          const end = head.indexOf('\r\n\r\n');
          if (end === -1) return;
          if (!head.startsWith('HTTP/1.1 101')) {
            reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
            return;
          }
          walker = new FrameWalker(onMessage);
          const rest = Buffer.from(head.slice(end + 4), 'latin1');
          resolve(socket);
          if (rest.length > 0) walker.push(rest, 0, rest.length);
        },
      },
    });
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
  });
}

/** `count` masked binary frames of SIZE bytes back to back, their stamps 0 (set them with `stamp`). */
function frames(count) {
  const header = SIZE < 126 ? Buffer.from([0x82, 0x80 | SIZE]) : Buffer.from([0x82, 0x80 | 126, SIZE >> 8, SIZE & 0xff]);
  const parts = [];
  for (let f = 0; f < count; f++) {
    const key = randomBytes(4);
    // Binary: the stamp's bytes are not UTF-8 text.
    const payload = Buffer.alloc(SIZE, 0x61);
    payload.fill(0, 0, 8);
    for (let i = 0; i < SIZE; i++) payload[i] ^= key[i & 3];
    parts.push(header, key, payload);
  }
  return Buffer.concat(parts);
}
const FRAME_SIZE = (SIZE < 126 ? 2 : 4) + 4 + SIZE;
const stampBytes = Buffer.alloc(8);
/** Sets the stamp of the `index`th frame of `buffer` (from `frames`) to `value`, masked with that frame's key. */
function stamp(buffer, index, value) {
  const payload = (index + 1) * FRAME_SIZE - SIZE;
  stampBytes.writeDoubleLE(value, 0);
  for (let j = 0; j < 8; j++) buffer[payload + j] = stampBytes[j] ^ buffer[payload - 4 + (j & 3)];
}

const received = new Float64Array(SUBSCRIBERS);
const lastStamp = new Float64Array(SUBSCRIBERS);
const probed = new Uint8Array(SUBSCRIBERS);
let probedCount = 0;
let outOfOrder = 0;
let measuring = false;
let measured = 0;
const latencies = [];
/** Runs after every subscriber read (the throughput mode's pacing). */
let afterRead = () => {};

const subs = [];
for (let s = 0; s < SUBSCRIBERS; s++) {
  subs.push(await connect(options.sub, (value) => {
    if (value === 0) {
      // A probe: this subscriber is subscribed.
      if (probed[s] === 0) probedCount++;
      probed[s] = 1;
      return;
    }
    if (value <= lastStamp[s]) outOfOrder++;
    lastStamp[s] = value;
    received[s]++;
    if (measuring) {
      measured++;
      if (MODE === 'latency') latencies.push(performance.now() - value);
    }
  }, () => afterRead()));
}
const publisher = await connect(options.pub, () => {}, () => {});

// Every subscriber is subscribed once a probe (stamp 0) reaches all of them.
await new Promise((resolve) => {
  const probe = frames(1);
  const timer = setInterval(() => {
    if (probedCount === SUBSCRIBERS) {
      clearInterval(timer);
      resolve();
    } else publisher.write(probe);
  }, 50);
});
await new Promise((resolve) => setTimeout(resolve, 200));
let sent = 0;
process.send({ ready: true });

/**
 * Messages the subscribers missed (of `sent` each), once the stragglers have
 * arrived: waits while deliveries still progress (a slow server is still
 * delivering what is in flight), until none came for STALL_MS.
 */
async function lost() {
  const STALL_MS = 2000;
  const total = () => received.reduce((sum, n) => sum + n, 0);
  let seen = total();
  let still = 0;
  while (seen < sent * SUBSCRIBERS && still < STALL_MS) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = total();
    still = now === seen ? still + 50 : 0;
    seen = now;
  }
  let missing = 0;
  for (let s = 0; s < SUBSCRIBERS; s++) missing += Math.max(0, sent - received[s]);
  return missing;
}

if (MODE === 'throughput') {
  // Bursts in flight are written from buffers of their own (a write may still hold its buffer); reused once written.
  const free = [];
  const send = () => {
    const burst = free.pop() ?? frames(BURST);
    for (let f = 0; f < BURST; f++) stamp(burst, f, ++sent);
    publisher.write(burst, () => free.push(burst));
  };
  // Whether every subscriber is less than two bursts behind.
  const caughtUp = () => {
    const need = sent - 2 * BURST + 1;
    for (let s = 0; s < SUBSCRIBERS; s++) if (received[s] < need) return false;
    return true;
  };
  // Event-driven pacing: after the reads of a loop iteration, the check runs once (setImmediate).
  let stopped = false;
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    while (!stopped && caughtUp()) send();
  };
  afterRead = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(pump);
    }
  };
  send();
  send();
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  measuring = true;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const server = serverSeconds();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  measuring = false;
  const elapsed = (performance.now() - start) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const serverCpu = server === null ? null : (serverSeconds() - server) / elapsed;
  stopped = true;
  // The generator's CPU share over the window: near 1, it (not the server) may be what limits the figure.
  const loadCpu = (user + system) / 1e6 / elapsed;
  process.send({ deliveries: measured / elapsed, sent, lost: await lost(), outOfOrder, subscribers: SUBSCRIBERS, loadCpu, serverCpu });
} else {
  const interval = 1000 / RATE;
  let next = performance.now();
  const start = performance.now();
  const probe = frames(1);
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
        const message = Buffer.from(probe);
        stamp(message, 0, next);
        publisher.write(message);
        sent++;
        next += interval;
      }
      timer = setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
  clearTimeout(timer);
  measuring = false;
  const missing = await lost();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  process.send({ samples: latencies.length, p50: pct(0.5), p99: pct(0.99), rate: RATE, subscribers: SUBSCRIBERS, sent, lost: missing, outOfOrder });
}
for (const socket of [...subs, publisher]) socket.destroy();
process.exit(0);
