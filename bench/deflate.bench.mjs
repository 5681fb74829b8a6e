// Compressed echo (permessage-deflate): 16 connections x 32 messages in flight, 1 KiB and 16 KiB
// JSON-like text. The client offers `permessage-deflate; client_no_context_takeover` and sends
// every message compressed; echoes must come back compressed (counted). Servers, each in its own
// process on core 0 (load generator on core 1 where taskset exists), in the same run:
// wsframe (shared and dedicated mode), ws (`perMessageDeflate: true`, its defaults) and
// Bun.serve (`perMessageDeflate: true`, `ws.send(m, true)`). Also: bytes on the wire per echo,
// and idle RSS per connection after one compressed message each (1,000 connections).
// Results: bench/results/deflate.{json,md}.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import zlib from 'node:zlib';
import { binary } from '../scripts/runtimes/tools.mjs';
import { QUICK, fixed, machine, machineLine, progress, saveResults, size, table } from './support/harness.mjs';
import { jsonPayload } from './support/deflate-payload.mjs';

const support = new URL('./support/', import.meta.url);
const SECONDS = QUICK ? 1 : 3;
const CONNECTIONS = 16;
const WINDOW = 32;
const SIZES = [1024, 16384];
const IDLE = QUICK ? 200 : 1000;
const PIN = os.cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

const SERVERS = [
  { name: 'wsframe shared', kind: 'wsframe', mode: 'shared' },
  { name: 'wsframe dedicated', kind: 'wsframe', mode: 'dedicated' },
  { name: 'ws', kind: 'ws' },
  { name: 'Bun.serve', kind: 'bun' },
];

function launch(core, command, args, ipc) {
  const [file, argv] = PIN ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
  return spawn(file, argv, { stdio: [ipc ? 'ignore' : 'pipe', ipc ? 'inherit' : 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])] });
}

/** A child whose IPC messages (or stdout JSON lines, for Bun) come out of `next()`; `ask` sends one. */
function wrap(proc) {
  const inbox = [];
  const waiters = [];
  const deliver = (m) => (waiters.length ? waiters.shift()(m) : inbox.push(m));
  proc.on('message', deliver);
  let text = '';
  proc.stdout?.on('data', (chunk) => {
    text += chunk;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n')) {
      deliver(JSON.parse(text.slice(0, end)));
      text = text.slice(end + 1);
    }
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiters.push(resolve)));
  return {
    proc, exited, next,
    ask(message) {
      if (proc.channel) proc.send(message);
      else proc.stdin.write(`${message}\n`);
      return next();
    },
  };
}

async function startServer(server) {
  const c = server.kind === 'bun'
    ? wrap(launch(0, binary('bun'), [new URL('deflate-server-bun.mjs', support).pathname], false))
    : wrap(launch(0, process.execPath, ['--expose-gc', new URL('deflate-server.mjs', support).pathname, server.kind, server.mode ?? ''], true));
  const { port } = await c.next();
  return { ...c, port };
}

async function stop(c) {
  if (c.proc.channel) c.proc.send('exit');
  else c.proc.kill('SIGTERM');
  await c.exited;
}

async function throughput(server, bytes) {
  const s = await startServer(server);
  const load = wrap(launch(1, process.execPath, [new URL('deflate-load.mjs', support).pathname, s.port, CONNECTIONS, WINDOW, bytes, SECONDS].map(String), true));
  await load.next();
  load.proc.send('go');
  const r = await load.next();
  await load.exited;
  await stop(s);
  return {
    server: server.name, size: bytes,
    messagesPerSecond: r.messages / r.seconds,
    compressedShare: r.messages ? r.compressed / r.messages : 0,
    wireBytesPerEcho: r.messages ? r.wire / r.messages : 0,
    clientFrameBytes: r.sentBytes,
  };
}

/** One compressed message on `count` fresh connections, then the server's RSS (after a GC) per connection. */
async function idleMemory(server) {
  const s = await startServer(server);
  const before = (await s.ask('rss')).rss;
  const data = zlib.deflateRawSync(jsonPayload(1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
  const frame = Buffer.concat([Buffer.from([0xc1, 0x80 | 126, data.length >> 8, data.length & 0xff, 0, 0, 0, 0]), data]);
  const sockets = [];
  for (let i = 0; i < IDLE; i++) {
    sockets.push(await new Promise((resolve, reject) => {
      const socket = net.connect(s.port, '127.0.0.1');
      socket.on('error', reject);
      socket.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n`);
      let seen = 0;
      socket.on('data', (chunk) => {
        seen += chunk.length;
        if (seen === chunk.length) socket.write(frame); // after the 101
        else resolve(socket); // the echo
      });
    }));
  }
  await new Promise((r) => setTimeout(r, 500));
  const after = (await s.ask('rss')).rss;
  for (const socket of sockets) socket.destroy();
  await stop(s);
  return { server: server.name, connections: IDLE, rssPerConnection: (after - before) / IDLE };
}

const loadStart = os.loadavg();
const step = progress(SERVERS.length * (SIZES.length + 1), 'deflate');
const rows = [];
for (const bytes of SIZES) {
  for (const server of SERVERS) {
    const row = await throughput(server, bytes);
    rows.push(row);
    step(`${server.name} ${size(bytes)}: ${fixed(row.messagesPerSecond / 1000, 1)} k msg/s, ${fixed(row.compressedShare * 100, 0)}% compressed, ${fixed(row.wireBytesPerEcho, 0)} B/echo`);
  }
}
const memory = [];
for (const server of SERVERS) {
  const row = await idleMemory(server);
  memory.push(row);
  step(`${server.name} idle: ${fixed(row.rssPerConnection / 1024, 1)} KiB per connection`);
}
const loadEnd = os.loadavg();

const get = (name, bytes) => rows.find((r) => r.server === name && r.size === bytes);
const mem = (name) => memory.find((r) => r.server === name).rssPerConnection;
const DEFAULT = 'wsframe shared';
const ratio = (a, b) => (b > 0 ? a / b : 0);
const targets = [
  { name: '1 KiB compressed echo vs ws', ratio: ratio(get(DEFAULT, 1024).messagesPerSecond, get('ws', 1024).messagesPerSecond), goal: 5 },
  { name: '1 KiB compressed echo vs Bun', ratio: ratio(get(DEFAULT, 1024).messagesPerSecond, get('Bun.serve', 1024).messagesPerSecond), goal: 1 },
  { name: '16 KiB compressed echo vs ws', ratio: ratio(get(DEFAULT, 16384).messagesPerSecond, get('ws', 16384).messagesPerSecond), goal: 1.2 },
  { name: 'idle RSS per compressed connection (shared) vs ws, at most', ratio: ratio(mem(DEFAULT), mem('ws')), goal: 0.1, atMost: true },
  ...SIZES.map((bytes) => ({ name: `bytes on the wire per ${size(bytes)} echo vs ws's defaults, within 10%`, ratio: ratio(get(DEFAULT, bytes).wireBytesPerEcho, get('ws', bytes).wireBytesPerEcho), goal: 1.1, atMost: true })),
].map((t) => ({ ...t, pass: t.atMost ? t.ratio <= t.goal && t.ratio > 0 : t.ratio >= t.goal }));
for (const r of rows) if (r.compressedShare < 0.99) throw new Error(`${r.server} ${size(r.size)}: only ${fixed(r.compressedShare * 100, 1)}% of echoes came back compressed`);

const m = machine();
const load = `load average ${loadStart[0].toFixed(1)} at the start, ${loadEnd[0].toFixed(1)} at the end (${m.cores} cores shared with other work: absolute figures are noisy, ratios less)`;
const md = `# Compressed echo (permessage-deflate)

${machineLine(m)}${QUICK ? ' · **quick run**' : ''} · ${load}

${CONNECTIONS} connections × ${WINDOW} messages in flight, ${SECONDS} s per cell; the client offers
\`permessage-deflate; client_no_context_takeover\` and sends each JSON-like text message compressed.
Every echo came back compressed (RSV1) from every server. Each server in its own process${PIN ? ' pinned to core 0, the load generator on core 1' : ''}.
wsframe's default mode is \`shared\`.

${table(['server', 'size', 'msgs/s', 'bytes per echo on the wire'], rows.map((r) => [r.server, size(r.size), `${fixed(r.messagesPerSecond / 1000, 1)} k`, fixed(r.wireBytesPerEcho, 0)]))}

Idle memory: ${IDLE} connections that each sent one compressed 1 KiB message (offering
\`permessage-deflate; client_max_window_bits\`, as browsers do), server RSS after a GC, per connection:

${table(['server', 'RSS per connection'], memory.map((r) => [r.server, `${fixed(r.rssPerConnection / 1024, 1)} KiB`]))}

## Targets

${table(['target', 'ratio', 'goal', 'result'], targets.map((t) => [t.name, fixed(t.ratio, 2), `${t.atMost ? '≤' : '≥'} ${t.goal}`, t.pass ? 'PASS' : 'MISS']))}
`;
saveResults('deflate', { machine: m, load, loadStart, loadEnd, quick: QUICK, pinned: PIN, seconds: SECONDS, connections: CONNECTIONS, window: WINDOW, rows, memory, targets }, md);
console.log(md);
