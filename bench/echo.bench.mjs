// Echo load over loopback: wsframe's server against ws (with native add-ons,
// and pure JS) and Bun.serve (uWebSockets, C++), each in its own process
// pinned to one core (taskset), driven by a load generator pinned to the
// other. Three payload kinds (ASCII text, mixed UTF-8 text, binary) at 16 B,
// 1 KiB and 64 KiB.
// 1. Throughput: 16 connections each keep 32 masked messages in flight;
//    messages/s, MB/s, round-trip p50/p99 and the server's CPU time. The
//    servers run back to back for each payload, so drift on this shared
//    machine hits them alike.
// 2. Latency at a fixed offered rate (half of what ws + native add-ons reached
//    for that payload in step 1), open loop: p50/p99 round trip.
// 3. Memory: RSS (and JS heap) per idle connection with 10,000 connections.
// Usage: node bench/echo.bench.mjs   (BENCH_QUICK=1 for a smoke run)
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { binary } from '../scripts/runtimes/tools.mjs';
import { QUICK, fixed, machine, machineLine, progress, saveResults, size, table } from './support/harness.mjs';
import { KINDS } from './support/payloads.mjs';

const support = new URL('./support/', import.meta.url);
const SECONDS = QUICK ? 1 : 3;
const LATENCY_SECONDS = QUICK ? 1 : 3;
const CONNECTIONS = 16;
const WINDOW = 32;
const SIZES = [16, 1024, 65536];
const IDLE = QUICK ? 2000 : 10_000;
/** Server on core 0, load generator on core 1 (where taskset and two cores exist). */
const PIN = os.cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

const WS = 'ws + native add-ons';
const WS_JS = 'ws pure JS';
const BUN = 'Bun.serve';
const SERVERS = [
  { name: 'wsframe', kind: 'wsframe', env: {} },
  { name: WS, kind: 'ws', env: {} },
  { name: WS_JS, kind: 'ws', env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' } },
  { name: BUN, kind: 'bun', env: {} },
];

/** `command args` on `core` (when pinning), with an IPC channel for Node children. */
function launch(core, command, args, { env = {}, ipc = true } = {}) {
  const [file, argv] = PIN ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
  return spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', ipc ? 'inherit' : 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])] });
}

/** A child with a message queue: `next()` is its next IPC message (or stdout JSON line, for Bun). */
function wrap(proc) {
  const inbox = [];
  const waiters = [];
  const deliver = (m) => (waiters.length ? waiters.shift()(m) : inbox.push(m));
  proc.on('message', deliver);
  if (proc.stdout) {
    let text = '';
    proc.stdout.on('data', (chunk) => {
      text += chunk;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n')) {
        deliver(JSON.parse(text.slice(0, end)));
        text = text.slice(end + 1);
      }
    });
  }
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return {
    proc,
    exited,
    next: () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiters.push(resolve))),
    ask(message) {
      proc.send(message);
      return this.next();
    },
  };
}

async function startServer(server) {
  const c = server.kind === 'bun'
    ? wrap(launch(0, binary('bun'), [new URL('echo-server-bun.mjs', support).pathname], { ipc: false }))
    : wrap(launch(0, process.execPath, ['--expose-gc', new URL('echo-server.mjs', support).pathname, server.kind], { env: server.env }));
  const { port, addons } = await c.next();
  return { ...c, port, addons };
}

async function stop(c) {
  if (c.proc.channel) c.proc.send('exit');
  else c.proc.kill('SIGTERM');
  await c.exited;
}

/** User + system CPU seconds of process `pid` so far (from /proc: the same for Node and Bun). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime (fields 14 and 15)
}

/** One run: a fresh server, a load generator, the measured window. */
async function run(server, kind, bytes, rate = 0) {
  const s = await startServer(server);
  const seconds = rate ? LATENCY_SECONDS : SECONDS;
  const load = wrap(launch(1, process.execPath, [new URL('echo-load.mjs', support).pathname, s.port, CONNECTIONS, WINDOW, bytes, seconds, kind, Math.round(rate)].map(String)));
  await load.next(); // warm
  const before = cpuSeconds(s.proc.pid);
  load.proc.send('go');
  const result = await load.next();
  const after = cpuSeconds(s.proc.pid);
  await load.exited;
  await stop(s);
  return {
    server: server.name, kind, size: bytes, addons: s.addons,
    messagesPerSecond: result.messages / result.seconds,
    megabytesPerSecond: result.bytes / result.seconds / 1e6,
    p50ms: result.p50, p99ms: result.p99, serverCpu: (after - before) / result.seconds,
  };
}

const loadBefore = os.loadavg()[0];
const cells = SIZES.flatMap((bytes) => KINDS.map((kind) => ({ bytes, kind })));
const total = cells.length * SERVERS.length + SIZES.length * (SERVERS.length - 1) + 2;
const step = progress(total, 'echo');
const echo = [];
const addons = {};
for (const { bytes, kind } of cells) {
  for (const server of SERVERS) {
    const row = await run(server, kind, bytes);
    addons[server.name] = row.addons;
    echo.push(row);
    step(`${server.name} ${kind} ${size(bytes)}: ${fixed(row.messagesPerSecond / 1000, 1)} k msg/s, ${fixed(row.megabytesPerSecond, 1)} MB/s, server CPU ${fixed(row.serverCpu * 100, 0)}%`);
  }
}
const find = (rows, name, kind, bytes) => rows.find((r) => r.server === name && r.kind === kind && r.size === bytes);

// Latency at a fixed offered rate: half of ws + native add-ons' maximum (ASCII text, each size).
const latency = [];
for (const bytes of SIZES) {
  const rate = find(echo, WS, 'ascii', bytes).messagesPerSecond / 2;
  for (const server of SERVERS.filter((s) => s.name !== WS_JS)) {
    const row = { ...(await run(server, 'ascii', bytes, rate)), offered: rate };
    latency.push(row);
    step(`latency ${server.name} ${size(bytes)} at ${fixed(rate / 1000, 1)} k msg/s: p50 ${fixed(row.p50ms)} ms, p99 ${fixed(row.p99ms)} ms`);
  }
}

const memory = [];
for (const server of SERVERS.slice(0, 2)) {
  const s = await startServer(server);
  const before = await s.ask('usage');
  const clients = wrap(launch(1, process.execPath, [new URL('idle-connect.mjs', support).pathname, s.port, IDLE].map(String)));
  const { open } = await clients.next();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await s.ask('usage');
  clients.proc.send('exit');
  await clients.exited;
  await stop(s);
  const row = {
    server: server.name, connections: open, serverClients: after.clients,
    rssPerConnection: (after.rss - before.rss) / open,
    heapPerConnection: (after.heapUsed - before.heapUsed) / open,
    externalPerConnection: (after.external - before.external) / open,
  };
  memory.push(row);
  step(`${server.name}: ${open} idle connections, ${fixed(row.rssPerConnection / 1024)} KiB RSS per connection`);
}

const ratio = (kind, bytes, anchor, key = 'messagesPerSecond') => find(echo, 'wsframe', kind, bytes)[key] / find(echo, anchor, kind, bytes)[key];
const targets = [
  ...KINDS.map((kind) => ({ name: `echo 16 B ${kind}: msgs/s vs Bun.serve`, ratio: ratio(kind, 16, BUN), goal: 1 })),
  ...KINDS.map((kind) => ({ name: `echo 1 KiB ${kind}: msgs/s vs Bun.serve`, ratio: ratio(kind, 1024, BUN), goal: 1.2 })),
  ...cells.map(({ kind, bytes }) => ({ name: `echo ${size(bytes)} ${kind}: msgs/s vs the faster ws`, ratio: Math.min(ratio(kind, bytes, WS), ratio(kind, bytes, WS_JS)), goal: 1 })),
  { name: 'echo 16 B ascii: msgs/s vs ws + native add-ons', ratio: ratio('ascii', 16, WS), goal: 4 },
  { name: 'echo 1 KiB ascii: msgs/s vs ws + native add-ons', ratio: ratio('ascii', 1024, WS), goal: 3 },
  { name: 'echo 64 KiB ascii: MB/s vs ws + native add-ons', ratio: ratio('ascii', 65536, WS, 'megabytesPerSecond'), goal: 1 },
  { name: 'idle memory per connection: ws RSS ÷ wsframe RSS', ratio: memory[1].rssPerConnection / memory[0].rssPerConnection, goal: 2 },
].map((t) => ({ ...t, pass: t.ratio >= t.goal }));

const m = machine();
const loadAverage = [loadBefore, os.loadavg()[0]];
const load = `load average ${loadBefore.toFixed(1)} at the start, ${loadAverage[1].toFixed(1)} at the end (${m.cores} cores; other work on the machine skews absolute figures, ratios less)`;
const byPayload = cells.map(({ kind, bytes }) => {
  const get = (name) => find(echo, name, kind, bytes);
  return [size(bytes), kind, ...SERVERS.map((s) => fixed(get(s.name).messagesPerSecond / 1000, 1)),
    `${fixed(ratio(kind, bytes, BUN))}×`, `${fixed(ratio(kind, bytes, WS))}×`, `${fixed(ratio(kind, bytes, WS_JS))}×`];
});
const md = `# Echo server over loopback

${machineLine(m)}${QUICK ? ' · **quick run**' : ''}

Each server runs in its own process${PIN ? ' pinned to core 0 (`taskset`); the load generator is pinned to core 1' : ' (no taskset here: not pinned)'}.
${CONNECTIONS} connections each keep ${WINDOW} masked messages in flight and answer every echo with a new one; ${SECONDS} s
measured after a 0.5 s warm-up, a fresh server per row, the four servers back to back for each payload. Payloads:
\`ascii\` (all 'x'), \`mixed\` (valid UTF-8 cycling 1-, 2-, 3- and 4-byte characters), \`binary\` (random bytes,
binary frames). Server CPU is the server process's user + system time per second of wall time.
${load}.
Servers: ${Object.entries(addons).map(([k, v]) => `${k}: ${v}`).join('; ')}.

## Throughput (k msgs/s)

${table(['size', 'payload', ...SERVERS.map((s) => s.name), 'wsframe ÷ Bun', 'wsframe ÷ ws + add-ons', 'wsframe ÷ ws JS'], byPayload)}

### All figures

${table(['server', 'payload', 'size', 'k msgs/s', 'MB/s', 'p50 RTT (ms)', 'p99 RTT (ms)', 'server CPU'], echo.map((r) => [r.server, r.kind, size(r.size), fixed(r.messagesPerSecond / 1000, 1), fixed(r.megabytesPerSecond, 1), fixed(r.p50ms), fixed(r.p99ms), `${fixed(r.serverCpu * 100, 0)}%`]))}

## Latency at a fixed offered rate

Open loop: messages leave on a 1 ms schedule at half the rate ws + native add-ons reached for that size above
(ASCII text), spread over the ${CONNECTIONS} connections; each round trip is timed from the moment its message was due.

${table(['size', 'offered k msgs/s', ...latency.filter((r) => r.size === 16).map((r) => `${r.server} p50 / p99 (ms)`)], SIZES.map((bytes) => [size(bytes), fixed(latency.find((r) => r.size === bytes).offered / 1000, 1), ...latency.filter((r) => r.size === bytes).map((r) => `${fixed(r.p50ms, 3)} / ${fixed(r.p99ms, 3)}`)]))}

## Idle memory

${table(['server', 'idle connections', 'RSS per connection', 'JS heap per connection', 'buffers per connection'], memory.map((r) => [r.server, r.connections, `${fixed(r.rssPerConnection / 1024)} KiB`, `${fixed(r.heapPerConnection / 1024)} KiB`, `${fixed(r.externalPerConnection / 1024)} KiB`]))}

## Targets

${table(['target', 'ratio', 'goal', ''], targets.map((t) => [t.name, `${fixed(t.ratio)}×`, `≥ ${t.goal}×`, t.pass ? 'PASS' : '**MISS**']))}
`;
saveResults('echo', { machine: m, load, loadAverage, quick: QUICK, pinned: PIN, seconds: SECONDS, connections: CONNECTIONS, window: WINDOW, addons, echo, latency, memory, targets }, md);
console.log(md);
