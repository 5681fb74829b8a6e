// Compressed echo (permessage-deflate): 16 connections x 32 messages in flight, 1 KiB and 16 KiB
// JSON-like text. The client offers `permessage-deflate; client_no_context_takeover` and sends
// every message compressed, cycling through 64 different messages; echoes must come back
// compressed (counted). Servers, each in its own process on core 0 (load generator on core 1
// where taskset exists), in the same run: wsframe (shared mode at its default level 1 and at
// level 6, dedicated mode at its default level 2 and at level 6), ws (`perMessageDeflate: true`, its defaults) and Bun.serve
// (`perMessageDeflate: true`, `ws.send(m, true)`). Also: bytes on the wire per echo, and idle RSS
// per connection after one compressed message each (1,000 connections, offering what browsers offer).
// Targets: each is reported against the mode it is about (the idle-memory one: shared mode; the throughput and
// wire ones: the default mode of `perMessageDeflate: true`), with the other mode's ratio beside it.
// Usage: node bench/deflate.bench.mjs (BENCH_QUICK=1 for a smoke run). Results: bench/results/deflate.{json,md}.
// A partial run for development (throughput only, medians of DEFLATE_ROUNDS interleaved rounds, no results written):
//   DEFLATE_SIZES=1024 DEFLATE_SERVERS='wsframe shared,Bun.serve' DEFLATE_ROUNDS=3 node bench/deflate.bench.mjs
// DEFLATE_BUILD=/path/to/other/checkout/build adds "wsframe shared (B)" and "wsframe dedicated (B)", another
// build of wsframe, beside this one (an A/B in the same run).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { binary } from '../scripts/runtimes/tools.mjs';
import { launch } from './support/child-processes.mjs';
import { QUICK, fixed, machine, machineLine, median, opsPerSecond, progress, saveResults, size, table } from './support/harness.mjs';
import { zlibDeflate } from '../build/esm/codec/deflate/zlib.js';
import { resolveDeflateOptions } from '../build/esm/codec/deflate/negotiate.js';
import { compressedFrame, jsonPayload, openDeflate } from './support/deflate-payload.mjs';

const support = new URL('./support/', import.meta.url);
const env = process.env;
const list = (name) => env[name]?.split(',').map((v) => v.trim()).filter(Boolean);
/** A development run (some sizes or servers, or another build): throughput only, no results written. */
const PARTIAL = ['DEFLATE_SIZES', 'DEFLATE_SERVERS', 'DEFLATE_BUILD', 'DEFLATE_ROUNDS'].some((name) => env[name] !== undefined);
// Three interleaved rounds in the full run: with one 3 s sample per cell, the 1 KiB dedicated ÷ Bun ratio ranged 0.94–1.05 between runs on this shared VM.
const ROUNDS = Number(env.DEFLATE_ROUNDS ?? (QUICK ? 1 : 3));
const SECONDS = QUICK ? 1 : 3;
const CONNECTIONS = 16;
const WINDOW = 32;
const SIZES = list('DEFLATE_SIZES')?.map(Number) ?? [1024, 16384];
const IDLE = QUICK ? 200 : 1000;
/** The mode `perMessageDeflate: true` gets (read from the build, so the report follows the code). */
const DEFAULT_MODE = resolveDeflateOptions(true).mode;

const SERVERS = [
  { name: 'wsframe shared', kind: 'wsframe', mode: 'shared' },
  { name: 'wsframe shared, level 6', kind: 'wsframe', mode: 'shared', level: 6, throughputOnly: true },
  { name: 'wsframe dedicated', kind: 'wsframe', mode: 'dedicated' },
  { name: 'wsframe dedicated, level 6', kind: 'wsframe', mode: 'dedicated', level: 6, throughputOnly: true },
  { name: 'ws', kind: 'ws' },
  { name: 'Bun.serve', kind: 'bun' },
  ...(env.DEFLATE_BUILD ? ['shared', 'dedicated'].map((mode) => ({ name: `wsframe ${mode} (B)`, kind: 'wsframe', mode, build: env.DEFLATE_BUILD, throughputOnly: true })) : []),
].filter((s) => !list('DEFLATE_SERVERS') || list('DEFLATE_SERVERS').includes(s.name) || s.build);
const IDLE_SERVERS = SERVERS.filter((s) => !s.throughputOnly);

/** A server in its own process on core 0: `{ proc, exited, next, port, gc() }`. */
async function startServer(server) {
  const c = server.kind === 'bun'
    ? launch(0, binary('bun'), [new URL('echo-server-bun.mjs', support).pathname, 'deflate'], { ipc: false })
    : launch(0, process.execPath, ['--expose-gc', new URL('deflate-server.mjs', support).pathname, server.kind, server.mode ?? '', String(server.level ?? '')], { env: server.build ? { WSFRAME_BUILD: server.build } : {} });
  const { port } = await c.next();
  const gc = server.kind === 'bun'
    ? () => fetch(`http://127.0.0.1:${port}/gc`).then((r) => r.text())
    : () => (c.proc.send('gc'), c.next());
  return { ...c, port, gc };
}

/** CPU time (user + system) of process `pid` so far, in µs (from /proc; 0 where there is none). */
function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks: USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** Resident set size of `pid` (from /proc: the same for Node and Bun), after a garbage collection. */
async function rss(c) {
  await c.gc();
  await new Promise((r) => setTimeout(r, 100));
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${c.proc.pid}/status`, 'utf8'))[1]) * 1024;
}

async function throughput(server, bytes) {
  const s = await startServer(server);
  const load = launch(1, process.execPath, [new URL('deflate-load.mjs', support).pathname, s.port, CONNECTIONS, WINDOW, bytes, SECONDS].map(String));
  await load.next();
  const cpuStart = cpuMicros(s.proc.pid);
  load.proc.send('go');
  const r = await load.next();
  const cpu = cpuMicros(s.proc.pid) - cpuStart;
  await load.exited;
  await s.stop();
  return {
    server: server.name, size: bytes,
    messagesPerSecond: r.messages / r.seconds,
    compressedShare: r.messages ? r.compressed / r.messages : 0,
    wireBytesPerEcho: r.messages ? r.wire / r.messages : 0,
    // The server's CPU time per echo: less sensitive than msgs/s to other work on a shared machine.
    cpuMicrosPerEcho: r.messages ? cpu / r.messages : 0,
  };
}

/** The median of each server's rounds (msgs/s and CPU per echo; bytes per echo are the same every round). */
function acrossRounds(samples) {
  return { ...samples[0], rounds: samples.length, messagesPerSecond: median(samples.map((r) => r.messagesPerSecond)), cpuMicrosPerEcho: median(samples.map((r) => r.cpuMicrosPerEcho)), compressedShare: Math.min(...samples.map((r) => r.compressedShare)) };
}

/**
 * `IDLE` connections offering what browsers offer, each sending one compressed
 * 1 KiB message and reading its echo, then idle: the server's RSS growth per connection.
 */
async function idleMemory(server) {
  const s = await startServer(server);
  const before = await rss(s);
  const sockets = [];
  for (let i = 0; i < IDLE; i++) {
    const socket = await openDeflate(s.port, 'permessage-deflate; client_max_window_bits');
    await new Promise((resolve) => {
      socket.once('data', resolve); // the echo
      socket.write(compressedFrame(jsonPayload(1024, i)));
    });
    sockets.push(socket);
    if ((i + 1) % 250 === 0) console.log(`  ${server.name}: ${i + 1} of ${IDLE} connections`);
  }
  await new Promise((r) => setTimeout(r, 500));
  const after = await rss(s);
  for (const socket of sockets) socket.destroy();
  await s.stop();
  return { server: server.name, connections: IDLE, rssPerConnection: (after - before) / IDLE };
}

/** Each mode's levels compared in-process (the engine alone, no network): the default levels' evidence. */
const LEVELS = { shared: [1, 3, 6, 9], dedicated: [1, 2, 3, 4, 6] };

/**
 * Bytes per compressed message of the 64-message corpus (deterministic) and messages/s of the engine, per mode,
 * level and size. In dedicated mode one connection's compressor takes the corpus in order (context takeover:
 * each message may refer to the ones before it, as on a connection), the first pass unmeasured.
 */
async function levels() {
  const out = [];
  for (const [mode, modeLevels] of Object.entries(LEVELS)) {
    const noTakeover = mode === 'shared';
    const params = { serverNoContextTakeover: noTakeover, clientNoContextTakeover: noTakeover, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
    for (const bytes of SIZES) {
      const corpus = Array.from({ length: 64 }, (_, i) => jsonPayload(bytes, 1000 + i));
      for (const level of modeLevels) {
        const engine = zlibDeflate(params, 'server', { level, memLevel: 8, threshold: 0 });
        for (const m of corpus) engine.compress(m);
        const compressed = corpus.reduce((sum, m) => sum + engine.compress(m).length, 0) / corpus.length;
        const perSecond = await opsPerSecond(() => {
          for (const m of corpus) engine.compress(m);
        }, { inner: corpus.length });
        engine.close();
        out.push({ mode, level, size: bytes, bytesPerMessage: compressed, messagesPerSecond: perSecond });
      }
    }
  }
  return out;
}

const loadStart = os.loadavg();
const step = progress(ROUNDS * SERVERS.length * SIZES.length + (PARTIAL ? 0 : IDLE_SERVERS.length + 1), 'deflate');
const samples = new Map();
// Rounds interleaved over the run, the servers' order turning each round: a burst of other work hits one sample of each.
for (let round = 0; round < ROUNDS; round++) {
  for (const bytes of SIZES) {
    for (let i = 0; i < SERVERS.length; i++) {
      const server = SERVERS[(i + round) % SERVERS.length];
      const row = await throughput(server, bytes);
      const key = `${server.name}/${bytes}`;
      samples.set(key, [...(samples.get(key) ?? []), row]);
      step(`${server.name} ${size(bytes)}: ${fixed(row.messagesPerSecond / 1000, 1)} k msg/s, ${fixed(row.cpuMicrosPerEcho, 1)} µs CPU/echo, ${fixed(row.compressedShare * 100, 0)}% compressed, ${fixed(row.wireBytesPerEcho, 0)} B/echo`);
    }
  }
}
const rows = SIZES.flatMap((bytes) => SERVERS.map((server) => acrossRounds(samples.get(`${server.name}/${bytes}`))));
for (const r of rows) if (r.compressedShare < 0.99) throw new Error(`${r.server} ${size(r.size)}: only ${fixed(r.compressedShare * 100, 1)}% of echoes came back compressed`);
const throughputTable = table(['server', 'size', 'msgs/s', 'server CPU per echo', 'bytes per echo on the wire', 'wire vs ws'], rows.map((r) => {
  const ws = rows.find((x) => x.server === 'ws' && x.size === r.size);
  return [r.server, size(r.size), `${fixed(r.messagesPerSecond / 1000, 1)} k`, `${fixed(r.cpuMicrosPerEcho, 1)} µs`, fixed(r.wireBytesPerEcho, 0), ws ? `${fixed(r.wireBytesPerEcho / ws.wireBytesPerEcho)}×` : ''];
}));
if (PARTIAL) {
  console.log(`\n${throughputTable}\n\n${ROUNDS} round(s), medians; load average ${os.loadavg()[0].toFixed(1)} (partial run: no results written)`);
  process.exit(0);
}
const memory = [];
for (const server of IDLE_SERVERS) {
  const row = await idleMemory(server);
  memory.push(row);
  step(`${server.name} idle: ${fixed(row.rssPerConnection / 1024, 1)} KiB per connection`);
}
const levelRows = await levels();
step('levels in-process');
const loadEnd = os.loadavg();

const get = (name, bytes) => rows.find((r) => r.server === name && r.size === bytes);
const mem = (name) => memory.find((r) => r.server === name).rssPerConnection;
const ratio = (a, b) => (b > 0 ? a / b : 0);
const echoVs = (anchor, bytes) => (mode) => ratio(get(`wsframe ${mode}`, bytes).messagesPerSecond, get(anchor, bytes).messagesPerSecond);
const wireVsWs = (bytes) => (mode) => ratio(get(`wsframe ${mode}`, bytes).wireBytesPerEcho, get('ws', bytes).wireBytesPerEcho);
/** Each target against the mode it is about (`mode`), the other mode's ratio beside it for comparison. */
const targets = [
  { name: '1 KiB compressed echo vs ws', of: echoVs('ws', 1024), goal: 5 },
  { name: '1 KiB compressed echo vs Bun', of: echoVs('Bun.serve', 1024), goal: 1 },
  { name: '16 KiB compressed echo vs ws', of: echoVs('ws', 16384), goal: 1.2 },
  { name: 'idle RSS per compressed connection (shared) vs ws, at most', of: (mode) => ratio(mem(`wsframe ${mode}`), mem('ws')), goal: 0.1, atMost: true, mode: 'shared' },
  ...SIZES.map((bytes) => ({ name: `bytes on the wire per ${size(bytes)} echo vs ws's defaults, within 10%`, of: wireVsWs(bytes), goal: 1.1, atMost: true })),
].map(({ of, mode = DEFAULT_MODE, ...t }) => {
  const other = mode === 'shared' ? 'dedicated' : 'shared';
  const value = of(mode);
  return { ...t, mode, ratio: value, otherMode: other, otherRatio: of(other), pass: t.atMost ? value <= t.goal && value > 0 : value >= t.goal };
});

const m = machine();
const load = `load average ${loadStart[0].toFixed(1)} at the start, ${loadEnd[0].toFixed(1)} at the end (${m.cores} cores shared with other work: absolute figures are noisy, ratios less)`;
const md = `# Compressed echo (permessage-deflate)

${machineLine(m)}${QUICK ? ' · **quick run**' : ''} · ${load}

${CONNECTIONS} connections × ${WINDOW} messages in flight, ${SECONDS} s per cell, ${ROUNDS} interleaved round(s) (the servers' order turning
each round; msgs/s and CPU per echo are each server's median, a ratio is the ratio of the medians); the client offers
\`permessage-deflate; client_no_context_takeover\` and sends each JSON-like text message compressed.
Every echo came back compressed (RSV1) from every server. Each server in its own process (pinned to core 0,
the load generator to core 1, where taskset and two cores exist). wsframe's default for \`perMessageDeflate: true\`
is ${DEFAULT_MODE} mode (shared mode compresses at level 1, with the WASM compressor up to 8 KiB, zlib above; dedicated at
level 2 with a WASM stream per connection, every size; why: docs/server.md).
The server's CPU time per echo is the server process's user + system time over the measured window.

${throughputTable}

Idle memory: ${IDLE} connections that each sent one compressed 1 KiB message (offering
\`permessage-deflate; client_max_window_bits\`, as browsers do), server RSS after a GC, per connection:

${table(['server', 'RSS per connection'], memory.map((r) => [r.server, `${fixed(r.rssPerConnection / 1024, 1)} KiB`]))}

Each mode's compression level, the engine alone in this process, over the same 64 messages: bytes per
message and messages/s. Shared mode: as shared mode compresses, each message on its own (the WASM compressor up to
8 KiB, zlib above: docs/server.md).
Dedicated mode: one connection's compressor (context takeover, the WASM stream) taking the messages in order, as ws's would.

${Object.entries(LEVELS).map(([mode, modeLevels]) => table([`${mode}: size`, ...modeLevels.map((l) => `level ${l}`)], SIZES.map((bytes) => [size(bytes), ...modeLevels.map((level) => {
  const r = levelRows.find((x) => x.mode === mode && x.level === level && x.size === bytes);
  return `${fixed(r.bytesPerMessage, 0)} B, ${fixed(r.messagesPerSecond / 1000, 1)} k/s`;
})]))).join('\n\n')}

## Targets

Each target is measured on the mode it is about: the idle memory on shared mode, the others on the default
(${DEFAULT_MODE}); the other mode's ratio is shown beside it, for comparison only.

${table(['target', 'mode', 'ratio', 'goal', 'result', 'other mode (not the target)'], targets.map((t) => [t.name, t.mode, fixed(t.ratio, 2), `${t.atMost ? '≤' : '≥'} ${t.goal}`, t.pass ? 'PASS' : 'MISS', `${t.otherMode}: ${fixed(t.otherRatio, 2)}`]))}
`;
saveResults('deflate', { machine: m, load, loadStart, loadEnd, quick: QUICK, defaultMode: DEFAULT_MODE, seconds: SECONDS, connections: CONNECTIONS, window: WINDOW, rows, memory, levels: levelRows, targets }, md);
console.log(md);
