// Echo load over loopback: wsframe's server against ws (with native add-ons,
// and pure JS) and Bun.serve (uWebSockets, C++), each in its own process
// pinned to one core (taskset), driven by a load generator pinned to the
// other. Three payload kinds (ASCII text, mixed UTF-8 text, binary) at 16 B,
// 1 KiB and 64 KiB.
// 1. Throughput: 16 connections each keep 32 masked messages in flight;
//    messages/s, MB/s, round-trip p50/p99, the server's and the load
//    generator's CPU time. Every configuration runs ROUNDS times, the rounds
//    interleaved over the whole run (round 1 of every payload, then round 2,
//    …) and the servers of a payload back to back in an order that turns
//    each round, so a burst of other work on this shared machine hits one
//    sample of each, not all of one: the report gives the median and the
//    spread, and ratios are medians of the ratios within each round.
// 2. Latency at a fixed offered rate (half of what ws + native add-ons reached
//    for that payload in step 1), open loop: p50/p99 round trip, and the
//    server's CPU time per message at that rate (the same work for every
//    server, so the cheapest server costs least whatever else runs). Three runs
//    per server and size (ECHO_LATENCY_RUNS), interleaved like the rounds of 1:
//    the medians over the runs with the p99's range, every run in the JSON.
// 3. Memory: RSS (and JS heap) per idle connection with 10,000 connections.
// Floors: beside the servers at 16 B and 1 KiB, "node:net floor" (bench/support/echo-floor-server.mjs)
// does less per read than any WebSocket echo server in JavaScript on node:net can (no unmasking, no
// validation, a constant reply): its rate bounds every such server, wsframe included, measured in the
// same rounds as Bun.serve. Not a server, not a target: reported in its own table, with floor ÷ Bun and
// wsframe ÷ floor. Variants for a partial run (ECHO_SERVERS): "node:net floor (unmask)" (echoes for
// real, a byte loop), "node:net floor (handle)" (writes past Writable, through the socket's handle), "node:net
// floor (ws API)" (the least ws's API asks per message: an owned Buffer, isUtf8 on text, a 'message' event, send).
// Usage: node bench/echo.bench.mjs   (BENCH_QUICK=1 for a smoke run)
// A partial run for development, which prints its table and writes no results:
//   ECHO_SIZES=16,1024 ECHO_KINDS=ascii ECHO_SERVERS=wsframe,Bun.serve ECHO_ROUNDS=5 node bench/echo.bench.mjs
//   ECHO_SIZES=16 ECHO_KINDS=binary ECHO_SERVERS='wsframe,Bun.serve,node:net floor,node:net floor (handle)' node bench/echo.bench.mjs
// The fixed-rate latency part alone (at the committed echo.json's offered rates), printed, no results written:
//   ECHO_LATENCY=1 [ECHO_SIZES=65536] [ECHO_LATENCY_RUNS=3] node bench/echo.bench.mjs
// ECHO_BUILD=/path/to/other/build adds "wsframe (ECHO_BUILD)", another build
// of wsframe, beside this one (an A/B in the same run).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { binary } from '../scripts/runtimes/tools.mjs';
import { DISTURBED_STEAL, USER_HZ, cpuBetween, readCpuStat, stealCell } from './support/cpu-stat.mjs';
import { PIN, launch } from './support/child-processes.mjs';
import { QUICK, fixed, machine, machineLine, median, progress, saveResults, size, table } from './support/harness.mjs';
import { KINDS } from './support/payloads.mjs';
import { latencyCell } from './support/report.mjs';

const support = new URL('./support/', import.meta.url);
const env = process.env;
const list = (name) => env[name]?.split(',').map((v) => v.trim()).filter(Boolean);
/** A development run (some sizes, kinds or servers only): throughput only, no results written. */
const PARTIAL = ['ECHO_SIZES', 'ECHO_KINDS', 'ECHO_SERVERS', 'ECHO_BUILD'].some((name) => env[name] !== undefined);
/** ECHO_MEMORY=1: the idle-memory part alone (wsframe, ws, the node:net floor), printed, no results written. */
const MEMORY_ONLY = env.ECHO_MEMORY === '1';
/**
 * Rounds per configuration (ECHO_ROUNDS), the same for every server and size. Three were too few for the targets'
 * statistic, the median of the ratios within each round: at 64 KiB eight paired rounds gave wsframe ÷ ws 0.85–1.38
 * one by one, and the median of any three in a row 0.87–1.13 against 1.05 for all eight (bench/results/echo-profile.md
 * §15); at 16 B binary the three rounds against Bun.serve of the run at 8070818 were 0.90, 0.96 and 1.11, so one
 * round decided the verdict. Five rounds cost about five minutes more than three at 16 B and 1 KiB.
 */
const ROUNDS = Number(env.ECHO_ROUNDS ?? (QUICK ? 1 : 5));
/** Whether any figure has more than one round (then cells show ranges). */
const MANY_ROUNDS = ROUNDS > 1;
const SECONDS = Number(env.ECHO_SECONDS ?? (QUICK ? 1 : 2));
/**
 * Load before the measured window, on each fresh server. Long enough for a server's heap to reach the size it keeps
 * under this load: a 1 KiB echo grows wsframe's by ≈ 40 MB in its first 1-2 s (V8 frees the messages' memory every
 * 32 MiB), and after a 0.5 s warm-up that growth's page faults fell inside the window in some runs and not others,
 * doubling their CPU per message (bench/results/echo-profile.md §11). The same for every server.
 */
const WARMUP_SECONDS = Number(env.ECHO_WARMUP_SECONDS ?? (QUICK ? 0.5 : 2));
const LATENCY_SECONDS = QUICK ? 1 : 2;
/** Runs per server and size at the fixed rate (the table gives their medians and ranges). */
const LATENCY_RUNS = Number(env.ECHO_LATENCY_RUNS ?? (QUICK ? 1 : 3));
/** ECHO_LATENCY=1: the fixed-rate part alone, at the offered rates of the committed bench/results/echo.json, printed, no results written. */
const LATENCY_ONLY = env.ECHO_LATENCY === '1';
const CONNECTIONS = 16;
const WINDOW = 32;
const SIZES = list('ECHO_SIZES')?.map(Number) ?? [16, 1024, 65536];
const PAYLOADS = list('ECHO_KINDS') ?? KINDS;
const IDLE = QUICK ? 2000 : 10_000;
/** How long the idle connections stay before the settled memory reading. */
const SETTLE_MS = QUICK ? 2_000 : 12_000;
/** A fixed-rate run whose echoed rate was off the offered rate by more than this share was not in a steady state. */
const OFF_RATE = 0.05;
/** A run whose server used less CPU than this while the load generator used more is bound by the load generator. */
const BUSY = 0.9;
/** How many of `runs` were disturbed by VM steal (DISTURBED_STEAL), per size: "16 B: 2 of 15; 1 KiB: 0 of 15". */
const disturbedBySize = (runs) => [...new Set(runs.map((r) => r.size))].map((bytes) => {
  const at = runs.filter((r) => r.size === bytes);
  return `${size(bytes)}: ${at.filter((r) => r.disturbed).length} of ${at.length}`;
}).join('; ');

const WS = 'ws + native add-ons';
const WS_JS = 'ws pure JS';
const BUN = 'Bun.serve';
const ALL_SERVERS = [
  { name: 'wsframe', kind: 'wsframe', env: {} },
  ...(env.ECHO_BUILD ? [{ name: `wsframe (${env.ECHO_BUILD})`, kind: 'wsframe', env: { WSFRAME_BUILD: env.ECHO_BUILD } }] : []),
  { name: WS, kind: 'ws', env: {} },
  { name: WS_JS, kind: 'ws', env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' } },
  { name: BUN, kind: 'bun', env: {} },
  { name: 'node:net floor', kind: 'floor', script: 'echo-floor-server.mjs', env: {}, floor: true },
];
/** The floor's variants, for partial runs only (ECHO_SERVERS). */
const FLOOR_VARIANTS = [
  { name: 'node:net floor (unmask)', kind: 'floor-unmask', script: 'echo-floor-server.mjs', env: {}, floor: true },
  { name: 'node:net floor (handle)', kind: 'floor-handle', script: 'echo-floor-server.mjs', env: {}, floor: true },
  { name: 'node:net floor (ws API)', kind: 'floor-api', script: 'echo-floor-server.mjs', env: {}, floor: true },
];
/** The floors run at these sizes only (the constant reply needs each connection's first frame whole in one read). */
const FLOOR_SIZES = [16, 1024];
const FLOOR = { name: 'node:net floor (no WebSocket)', kind: 'floor', script: 'idle-floor-server.mjs', env: {} };
const SERVERS = list('ECHO_SERVERS')?.map((name) => [...ALL_SERVERS, ...FLOOR_VARIANTS].find((s) => s.name === name) ?? fail(`no server ${name}`)) ?? ALL_SERVERS;
/** The servers proper (the throughput, latency and README tables), and the floors beside them. */
const REAL = SERVERS.filter((s) => !s.floor);
const FLOORS = SERVERS.filter((s) => s.floor);
/** Whether `server` runs at `bytes`. */
const runsAt = (server, bytes) => !server.floor || FLOOR_SIZES.includes(bytes);

function fail(message) {
  throw new Error(message);
}

async function startServer(server) {
  const c = server.kind === 'bun'
    ? launch(0, binary('bun'), [new URL('echo-server-bun.mjs', support).pathname], { ipc: false })
    : launch(0, process.execPath, ['--expose-gc', new URL(server.script ?? 'echo-server.mjs', support).pathname, server.kind], { env: server.env });
  const { port, addons } = await c.next();
  return { ...c, port, addons };
}

/** Fields of /proc/`pid`/stat from the state on (the state is field 3, so field N is at N − 3). */
const stat = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');

/** User + system CPU seconds of process `pid` so far (from /proc: the same for Node and Bun). */
function cpuSeconds(pid) {
  const fields = stat(pid);
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ; // utime, stime (fields 14 and 15)
}

/**
 * Page faults of process `pid` so far (minor + major, fields 10 and 12). A 1 KiB echo's CPU per message follows
 * them: a run whose allocator hands the server fresh pages costs up to twice one that reuses its heap
 * (bench/results/echo-profile.md §11), so the table shows them beside the rates.
 */
function pageFaults(pid) {
  const fields = stat(pid);
  return Number(fields[7]) + Number(fields[9]);
}

/** One run: a fresh server, a load generator, the measured window. */
async function run(server, kind, bytes, rate = 0) {
  const s = await startServer(server);
  const seconds = rate ? LATENCY_SECONDS : SECONDS;
  const load = launch(1, process.execPath, [new URL('echo-load.mjs', support).pathname, s.port, CONNECTIONS, WINDOW, bytes, seconds, kind, Math.round(rate)].map(String), { env: { ECHO_WARMUP_MS: String(WARMUP_SECONDS * 1000) } });
  await load.next(); // warm
  const before = cpuSeconds(s.proc.pid);
  const faultsBefore = pageFaults(s.proc.pid);
  const loadBefore = cpuSeconds(load.proc.pid);
  const machineBefore = readCpuStat();
  load.proc.send('go');
  const result = await load.next();
  const after = cpuSeconds(s.proc.pid);
  const faults = pageFaults(s.proc.pid) - faultsBefore;
  const loadAfter = cpuSeconds(load.proc.pid);
  // The whole machine over the window (/proc/stat; null only where there is no /proc, where this bench cannot run).
  const machineCpu = cpuBetween(machineBefore, readCpuStat());
  await load.exited;
  await s.stop();
  return {
    server: server.name, kind, size: bytes, addons: s.addons,
    messagesPerSecond: result.messages / result.seconds,
    megabytesPerSecond: result.bytes / result.seconds / 1e6,
    p50ms: result.p50, p99ms: result.p99,
    serverCpu: (after - before) / result.seconds, loadCpu: (loadAfter - loadBefore) / result.seconds,
    serverCpuPerMessage: (after - before) / result.messages,
    serverFaultsPerMessage: faults / result.messages,
    // Every core's busy time (user, nice, system, irq, softirq) less the server's and the load generator's: the other
    // work that ran during the window. On a shared machine it makes every server's messages cost more CPU, fixed
    // computations included (at 64 KiB, wsframe's mixed text 54-58 µs per message with none against 67-92 µs beside
    // 0.6-1.1 core of it; bench/results/echo-profile.md §15). In cores (1.0: a whole core's worth); ticks make it ±0.05.
    otherCpu: Math.max(0, machineCpu.busy - (after - before) - (loadAfter - loadBefore)) / result.seconds,
    // The time the VM's host took from this machine during the window, in cores: no process is charged for it, so a
    // server it hits runs below 100 % of its core with no other work (bench/support/cpu-stat.mjs).
    stealCores: machineCpu.stealCores,
    disturbed: machineCpu.disturbed,
  };
}

const loadBefore = os.loadavg()[0];
const cells = SIZES.flatMap((bytes) => PAYLOADS.map((kind) => ({ bytes, kind })));
const latencyCount = LATENCY_RUNS * SIZES.length * REAL.filter((s) => s.name !== WS_JS).length;
const rest = PARTIAL ? 0 : latencyCount + 3;
const step = progress(MEMORY_ONLY ? 3 : LATENCY_ONLY ? latencyCount : cells.reduce((n, { bytes }) => n + ROUNDS * SERVERS.filter((s) => runsAt(s, bytes)).length, 0) + rest, 'echo');
if (MEMORY_ONLY) {
  console.log(memoryTable(await idleMemory()));
  console.log(`load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`);
  process.exit(0);
}
if (LATENCY_ONLY) {
  const committed = JSON.parse(readFileSync(new URL('results/echo.json', import.meta.url), 'utf8')).latency;
  const rates = Object.fromEntries(SIZES.map((bytes) => [bytes, committed.find((r) => r.size === bytes)?.offered ?? fail(`no committed rate for ${bytes} B`)]));
  const started = performance.now();
  const { rows } = await fixedRate(rates);
  console.log(`\n${latencyTable(rows)}\n\n${LATENCY_RUNS} runs per cell in ${fixed((performance.now() - started) / 1000, 0)} s; load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`);
  process.exit(0);
}
/** Every throughput run, in the order run. */
const runs = [];
const addons = {};
// One run first, not counted: start-up effects (this process's JIT, caches) stay out of the figures; the first
// run of earlier reports (wsframe ascii 16 B, server at 50% CPU) was their least consistent figure.
await run(SERVERS[0], PAYLOADS[0], SIZES[0]);
for (let round = 0; round < ROUNDS; round++) {
  const loadAverage = os.loadavg()[0];
  for (const { bytes, kind } of cells) {
    // Each round starts the payload's servers one further along: no server always runs first or after the same one.
    for (let i = 0; i < SERVERS.length; i++) {
      const server = SERVERS[(i + round) % SERVERS.length];
      if (!runsAt(server, bytes)) continue;
      const row = { ...(await run(server, kind, bytes)), round, loadAverage };
      addons[server.name] = row.addons;
      runs.push(row);
      const bound = row.serverCpu < BUSY && row.loadCpu >= BUSY ? ' (bound by the load generator)' : '';
      step(`round ${round + 1}: ${server.name} ${kind} ${size(bytes)}: ${fixed(row.messagesPerSecond / 1000, 1)} k msg/s, ${fixed(row.megabytesPerSecond, 1)} MB/s, CPU server ${fixed(row.serverCpu * 100, 0)}% load ${fixed(row.loadCpu * 100, 0)}%, other work ${fixed(row.otherCpu)} cores, VM steal ${stealCell(row, ' cores')}${bound}`);
    }
  }
}
const samples = (name, kind, bytes) => runs.filter((r) => r.server === name && r.kind === kind && r.size === bytes);
const spread = (values) => (Math.max(...values) - Math.min(...values)) / median(values);
/** One row per server (floors too) and payload: medians over the rounds, and the spread of messages/s ((max − min) ÷ median). */
const figures = SERVERS.flatMap((server) => cells.filter(({ bytes }) => runsAt(server, bytes)).map(({ bytes, kind }) => {
  const all = samples(server.name, kind, bytes);
  const of = (key) => median(all.map((r) => r[key]));
  return {
    server: server.name, kind, size: bytes, addons: all[0].addons, rounds: all.length,
    messagesPerSecond: of('messagesPerSecond'), megabytesPerSecond: of('megabytesPerSecond'), p50ms: of('p50ms'), p99ms: of('p99ms'),
    serverCpu: of('serverCpu'), serverCpuPerMessage: of('serverCpuPerMessage'), serverFaultsPerMessage: of('serverFaultsPerMessage'),
    loadCpu: of('loadCpu'), otherCpu: of('otherCpu'), stealCores: of('stealCores'), spread: spread(all.map((r) => r.messagesPerSecond)),
    loadBound: all.filter((r) => r.serverCpu < BUSY && r.loadCpu >= BUSY).length,
    disturbedRuns: all.filter((r) => r.disturbed).length,
  };
}));
/** The servers' rows (what the README and the chart show); the floors' rows are `floorRows`. */
const echo = figures.filter((r) => REAL.some((s) => s.name === r.server));
const find = (rows, name, kind, bytes) => rows.find((r) => r.server === name && r.kind === kind && r.size === bytes);
/**
 * `name` (wsframe unless given) ÷ `anchor`: the median of the ratios within each round (runs close in time), and their
 * range; `rounds` is how many rounds the ratio is over. With `undisturbedOnly`, only the rounds in which neither run
 * was disturbed by VM steal (the targets' second column; `ratio` is NaN when every round was).
 */
function paired(kind, bytes, anchor, key = 'messagesPerSecond', name = 'wsframe', undisturbedOnly = false) {
  const ours = samples(name, kind, bytes);
  const theirs = samples(anchor, kind, bytes);
  const ratios = ours.flatMap((r, i) => (undisturbedOnly && (r.disturbed || theirs[i].disturbed) ? [] : [r[key] / theirs[i][key]]));
  return { ratio: ratios.length ? median(ratios) : NaN, low: Math.min(...ratios), high: Math.max(...ratios), rounds: ratios.length, of: ours.length };
}
const ratio = (kind, bytes, anchor, key) => paired(kind, bytes, anchor, key).ratio;
/** A target's ratio over the undisturbed rounds: "0.98× (2 of 3 rounds)", "every round disturbed", or "–" where not computed. */
const undisturbedCell = (u) => (u === undefined ? '–' : u.rounds === 0 ? `every one of ${u.of} rounds disturbed` : `${fixed(u.ratio)}× (${u.rounds} of ${u.of} rounds)`);
const ratioCell = ({ ratio: r, low, high }) => (MANY_ROUNDS ? `${fixed(r)}× (${fixed(low)}–${fixed(high)})` : `${fixed(r)}×`);
const others = REAL.filter((s) => s.name !== 'wsframe');
const byPayload = cells.map(({ kind, bytes }) => [size(bytes), kind,
  ...REAL.map((s) => `${fixed(find(echo, s.name, kind, bytes).messagesPerSecond / 1000, 1)}${MANY_ROUNDS ? ` ±${fixed((find(echo, s.name, kind, bytes).spread * 100) / 2, 0)}%` : ''}`),
  ...others.map((s) => ratioCell(paired(kind, bytes, s.name)))]);

/**
 * The floors beside wsframe and Bun: floor ÷ Bun (paired within rounds) says whether any JavaScript server on
 * node:net can reach Bun at that size; wsframe ÷ floor is how much of the floor wsframe reaches.
 */
const hasBun = REAL.some((s) => s.name === BUN);
const floorRows = FLOORS.flatMap((floor) => cells.filter(({ bytes }) => runsAt(floor, bytes)).map(({ kind, bytes }) => ({
  floor: floor.name, kind, size: bytes,
  messagesPerSecond: find(figures, floor.name, kind, bytes).messagesPerSecond,
  serverCpuPerMessage: find(figures, floor.name, kind, bytes).serverCpuPerMessage,
  vsBun: hasBun ? paired(kind, bytes, BUN, 'messagesPerSecond', floor.name) : null,
  wsframeVsFloor: paired(kind, bytes, floor.name),
  // The same two by CPU per message (what a message costs, as rate per core): Bun's ÷ the floor's, the floor's ÷ wsframe's.
  cpuVsBun: hasBun ? paired(kind, bytes, floor.name, 'serverCpuPerMessage', BUN) : null,
  cpuWsframeVsFloor: paired(kind, bytes, 'wsframe', 'serverCpuPerMessage', floor.name),
})));
/** What a floor ÷ Bun ratio says about reaching Bun (≥ 1.0×) with any JavaScript server on node:net. */
function floorVerdict({ floor, kind, size: bytes, vsBun }) {
  if (vsBun === null) return '';
  if (Math.min(find(figures, floor, kind, bytes).serverCpu, find(echo, BUN, kind, bytes).serverCpu) < BUSY) {
    return 'a server had under 90% of its core (other load on the machine): the rates measured the machine, read the CPU ratio';
  }
  if (find(figures, floor, kind, bytes).loadCpu >= BUSY) return 'the load generator was saturated (≥ 90% of its core) with the floor: its rate understates the floor, read the CPU ratio';
  if (vsBun.high < 1) return 'below Bun in every round: no JS server on node:net reaches 1.0× Bun here';
  if (vsBun.low > 1) return 'above Bun in every round: node:net allows 1.0× Bun here; what wsframe lacks of the floor is its own';
  return `rounds on both sides of Bun (median ${vsBun.ratio < 1 ? 'below' : 'above'})`;
}
const floorTable = floorRows.length === 0 ? '' : `
### Floors: the most any JavaScript server on node:net can echo

${table(['size', 'payload', 'floor', 'k msgs/s: floor / wsframe' + (hasBun ? ' / Bun.serve' : ''), 'server CPU µs per message: floor / wsframe' + (hasBun ? ' / Bun.serve' : ''),
  'load generator CPU: floor' + (hasBun ? ' / Bun.serve' : ''), ...(hasBun ? ['floor ÷ Bun.serve', 'by CPU per message'] : []), 'wsframe ÷ floor', 'by CPU per message',
  ...(hasBun ? ['what it says'] : [])],
  floorRows.map((r) => {
    const rows = [find(figures, r.floor, r.kind, r.size), find(echo, 'wsframe', r.kind, r.size), ...(hasBun ? [find(echo, BUN, r.kind, r.size)] : [])];
    return [size(r.size), r.kind, r.floor, rows.map((f) => fixed(f.messagesPerSecond / 1000, 1)).join(' / '), rows.map((f) => fixed(f.serverCpuPerMessage * 1e6)).join(' / '),
      [rows[0], ...rows.slice(2)].map((f) => `${fixed(f.loadCpu * 100, 0)}%`).join(' / '),
      ...(hasBun ? [ratioCell(r.vsBun), ratioCell(r.cpuVsBun)] : []), ratioCell(r.wsframeVsFloor), ratioCell(r.cpuWsframeVsFloor), ...(hasBun ? [floorVerdict(r)] : [])];
  }))}

Server CPU per message (user + system, from /proc) is what a message cost each server at its own rate; it moves less with
other load on the machine than the rate does. "By CPU per message" gives the same ratios as rates per core (Bun's CPU per
message ÷ the floor's; the floor's ÷ wsframe's), paired within rounds. A load generator near 100% of its core caps the rate it measures: then the
floor's rate understates it (its CPU per message does not), so a floor ÷ Bun above 1.0× stands, and one near 1.0× with
both load generators saturated says the load generator, not the floor, was measured.
`;
const throughput = `${table(['size', 'payload', ...REAL.map((s) => s.name), ...others.map((s) => `wsframe ÷ ${s.name}`)], byPayload)}
${floorTable}
### All figures (medians over the rounds)

${table(['server', 'payload', 'size', 'k msgs/s', 'spread', 'MB/s', 'p50 RTT (ms)', 'p99 RTT (ms)', 'server CPU', 'server µs per message', 'server page faults per 1,000 messages', 'load generator CPU', 'other work on the machine (cores)', 'VM steal (cores)', 'runs bound by the load generator', `runs disturbed (steal ≥ ${DISTURBED_STEAL})`],
  figures.map((r) => [r.server, r.kind, size(r.size), fixed(r.messagesPerSecond / 1000, 1), `${fixed(r.spread * 100, 0)}%`, fixed(r.megabytesPerSecond, 1), fixed(r.p50ms), fixed(r.p99ms),
    `${fixed(r.serverCpu * 100, 0)}%`, fixed(r.serverCpuPerMessage * 1e6), fixed(r.serverFaultsPerMessage * 1000), `${fixed(r.loadCpu * 100, 0)}%`, fixed(r.otherCpu), fixed(r.stealCores),
    `${r.loadBound} of ${r.rounds}`, `${r.disturbedRuns} of ${r.rounds}`]))}

Server µs per message and page faults per 1,000 messages are medians over the rounds, like the rest (from /proc). At
1 KiB a run's CPU per message follows its page faults: every message is copied into fresh memory (the listener's to
keep), and a run whose server's heap was still growing to its size under the load cost up to twice one whose heap had
settled; hence the warm-up (bench/results/echo-profile.md §11). Other work on the machine is the CPU time of every
process but the server and the load generator during a run, in cores (from /proc/stat; ±0.05 from clock ticks). It
makes every server's messages cost more, copies, wake-ups and fixed computations alike (at 64 KiB wsframe's mixed text
took 54-58 µs per message with none, 67-92 µs beside 0.6-1.1 core of it: echo-profile.md §15), so a ratio
whose runs had different amounts of it says more about the machine than the servers.

VM steal is the time the VM's host ran something else while this machine's cores had work (/proc/stat's \`steal\`,
summed over the cores, in cores over each run's window; medians over the rounds above; bench/support/cpu-stat.mjs).
No process is charged for it and it is not "other work": a server it hits shows less than 100% of its core and a lower
rate with nothing else running (in the run at 6a76d9e every server had 58-78% of its core at 16 B with no other work
and the load generators not saturated, and no column said why). A run with ${DISTURBED_STEAL} core of steal or more
(${fixed(DISTURBED_STEAL * SECONDS * USER_HZ, 0)} clock ticks in a ${SECONDS} s window; ${fixed((DISTURBED_STEAL / os.cpus().length) * 100, 1)}% of the ${os.cpus().length} cores, ${fixed(DISTURBED_STEAL * 100, 0)}% of one core if it all
fell on the server's: the size of the differences the paired ratios resolve) is marked disturbed. Disturbed runs are
counted, not left out: every figure and ratio above still uses every round, so read a ratio whose rounds were
disturbed on one side only as the machine's, not the servers'. Runs disturbed, per size: ${disturbedBySize(runs)}.`;

if (PARTIAL) {
  console.log(`\n${ROUNDS} rounds of ${SECONDS} s; load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}\n\n${throughput}`);
  process.exit(0);
}

/**
 * Latency at a fixed offered rate: half of ws + native add-ons' maximum (ASCII text, each size), LATENCY_RUNS runs
 * per server and size. One run's p99 is one sample of a tail that other work on this shared machine widens (a
 * 64 KiB wsframe p99 of 252 ms in one report, 4.7-19.6 ms in eight runs by hand), so the runs are interleaved like
 * the throughput rounds (run 1 of every size and server, then run 2, …, the servers in a turned order) and the
 * table gives each figure's median over the runs with its range; every run's figures are kept (`latencyRuns`).
 */
async function fixedRate(rates) {
  const servers = REAL.filter((s) => s.name !== WS_JS);
  const all = [];
  for (let round = 0; round < LATENCY_RUNS; round++) {
    for (const bytes of SIZES) {
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(i + round) % servers.length];
        const loadAverage = os.loadavg()[0];
        const { server: name, size: at, p50ms, p99ms, serverCpuPerMessage, messagesPerSecond, stealCores, disturbed } = await run(server, 'ascii', bytes, rates[bytes]);
        const r = { server: name, size: at, round, offered: rates[bytes], p50ms, p99ms, serverCpuPerMessage, messagesPerSecond, loadAverage, stealCores, disturbed };
        all.push(r);
        step(`latency run ${round + 1} of ${LATENCY_RUNS}: ${name} ${size(bytes)} at ${fixed(rates[bytes] / 1000, 1)} k msg/s: p50 ${fixed(p50ms)} ms, p99 ${fixed(p99ms)} ms, server CPU ${fixed(serverCpuPerMessage * 1e6)} µs per message (load ${fixed(loadAverage, 1)}, VM steal ${stealCell(r, ' cores')})`);
      }
    }
  }
  const range = (values) => [Math.min(...values), Math.max(...values)];
  const rows = SIZES.flatMap((bytes) => servers.map((server) => {
    const mine = all.filter((r) => r.server === server.name && r.size === bytes);
    const of = (key) => median(mine.map((r) => r[key]));
    return {
      server: server.name, kind: 'ascii', size: bytes, offered: rates[bytes], runs: mine.length,
      p50ms: of('p50ms'), p99ms: of('p99ms'), serverCpuPerMessage: of('serverCpuPerMessage'), messagesPerSecond: of('messagesPerSecond'),
      p50Range: range(mine.map((r) => r.p50ms)), p99Range: range(mine.map((r) => r.p99ms)),
      // Runs that echoed more than 5% off the offered rate: a backlog grew (the machine or the server could not keep up)
      // or one from the warm-up drained, and their latency is mostly its age.
      offRate: mine.filter((r) => Math.abs(r.messagesPerSecond / rates[bytes] - 1) > OFF_RATE).length,
    };
  }));
  return { rows, runs: all };
}

/** The fixed-rate table: medians over the runs, the p99's range, CPU per message. */
function latencyTable(rows) {
  const servers = [...new Set(rows.map((r) => r.server))];
  const at = (name, bytes) => rows.find((r) => r.server === name && r.size === bytes);
  return table(['size', 'offered k msgs/s', ...servers.map((s) => `${s} p50 / p99 (p99 range) ms`), ...servers.map((s) => `${s} server CPU per message (µs)`)],
    SIZES.map((bytes) => [size(bytes), fixed(at(servers[0], bytes).offered / 1000, 1), ...servers.map((s) => latencyCell(at(s, bytes))),
      ...servers.map((s) => fixed(at(s, bytes).serverCpuPerMessage * 1e6))]));
}

/**
 * Idle memory: wsframe, ws + native add-ons, and the floor (a bare node:net server doing only what any WebSocket
 * server on node:net must, bench/support/idle-floor-server.mjs): what Node's own socket costs, which no server
 * built on node:net goes below.
 */
async function idleMemory() {
  const memory = [];
  for (const server of [ALL_SERVERS[0], ALL_SERVERS.find((s) => s.name === WS), FLOOR]) {
    const s = await startServer(server);
    const before = await s.ask('usage');
    const clients = launch(1, process.execPath, [new URL('idle-connect.mjs', support).pathname, s.port, IDLE].map(String));
    const { open } = await clients.next();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await s.ask('usage');
    // Settled: V8's memory reducer, armed by those collections, shrinks the young generation the handshakes grew
    // (about 28 MB here, 2.9 KiB per connection for every server alike) within 8-10 s of low allocation.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const settled = await s.ask('usage');
    await clients.stop();
    await s.stop();
    const row = {
      server: server.name, connections: open, serverClients: after.clients,
      rssPerConnection: (after.rss - before.rss) / open,
      heapPerConnection: (after.heapUsed - before.heapUsed) / open,
      settledRssPerConnection: (settled.rss - before.rss) / open,
      externalPerConnection: (after.external - before.external) / open,
    };
    memory.push(row);
    step(`${server.name}: ${open} idle connections, ${fixed(row.rssPerConnection / 1024)} KiB RSS (settled ${fixed(row.settledRssPerConnection / 1024)} KiB), ${fixed(row.heapPerConnection / 1024)} KiB JS heap per connection`);
  }
  return memory;
}

/** The idle-memory table, and what the floor says about the ws ÷ wsframe target. */
function memoryTable(memory) {
  const [wsframe, ws, floor] = memory;
  const kib = (bytes) => `${fixed(bytes / 1024)} KiB`;
  /** What 2× leaves wsframe above the floor, by one RSS reading (negative: below the floor). */
  const room = (key) => {
    const left = ws[key] / 2 - floor[key];
    return left >= 0 ? `2× leaves wsframe ${kib(left)} above the floor (it holds ${kib(wsframe[key] - floor[key])})` : `2× would need wsframe ${kib(-left)} below the floor: out of reach for any server on node:net's sockets`;
  };
  return `${table(['server', 'idle connections', 'RSS per connection', `settled RSS (${SETTLE_MS / 1000} s later)`, 'JS heap per connection', 'buffers per connection'], memory.map((r) => [r.server, r.connections, kib(r.rssPerConnection), kib(r.settledRssPerConnection), kib(r.heapPerConnection), kib(r.externalPerConnection)]))}

RSS is read after two full collections, 0.5 s after the last connection opened (the target's figure), and again
${SETTLE_MS / 1000} s later, time for V8's memory reducer (it waits for 8-10 s of low allocation) to shrink the young generation
the handshakes grew (about the same for every server; not per-connection state). The floor is Node's own net.Socket with its handle, listeners and read
state, and a SHA-1 per handshake, with no WebSocket state (bench/support/idle-floor-server.mjs): no server built on
node:net's sockets goes below it. Above it, wsframe holds ${kib(wsframe.heapPerConnection - floor.heapPerConnection)} of JS heap per connection, ws ${kib(ws.heapPerConnection - floor.heapPerConnection)}.

| reading | ws ÷ wsframe | ws ÷ floor (a server holding nothing of its own) | the 2× target |
| --- | --- | --- | --- |
| right after | ${fixed(ws.rssPerConnection / wsframe.rssPerConnection)}× | ${fixed(ws.rssPerConnection / floor.rssPerConnection)}× | ${room('rssPerConnection')} |
| settled | ${fixed(ws.settledRssPerConnection / wsframe.settledRssPerConnection)}× | ${fixed(ws.settledRssPerConnection / floor.settledRssPerConnection)}× | ${room('settledRssPerConnection')} |`;
}
const latencyStarted = performance.now();
const { rows: latency, runs: latencyRuns } = await fixedRate(Object.fromEntries(SIZES.map((bytes) => [bytes, find(echo, WS, 'ascii', bytes).messagesPerSecond / 2])));
const latencySeconds = (performance.now() - latencyStarted) / 1000;
const memory = await idleMemory();

const targets = [
  ...KINDS.map((kind) => ({ name: `echo 16 B ${kind}: msgs/s vs Bun.serve`, ratio: ratio(kind, 16, BUN), undisturbed: paired(kind, 16, BUN, 'messagesPerSecond', 'wsframe', true), goal: 1 })),
  ...KINDS.map((kind) => ({ name: `echo 1 KiB ${kind}: msgs/s vs Bun.serve`, ratio: ratio(kind, 1024, BUN), undisturbed: paired(kind, 1024, BUN, 'messagesPerSecond', 'wsframe', true), goal: 1.2 })),
  ...cells.map(({ kind, bytes }) => ({ name: `echo ${size(bytes)} ${kind}: msgs/s vs the faster ws`, ratio: Math.min(ratio(kind, bytes, WS), ratio(kind, bytes, WS_JS)), goal: 1 })),
  { name: 'echo 16 B ascii: msgs/s vs ws + native add-ons', ratio: ratio('ascii', 16, WS), goal: 4 },
  { name: 'echo 1 KiB ascii: msgs/s vs ws + native add-ons', ratio: ratio('ascii', 1024, WS), goal: 3 },
  { name: 'echo 64 KiB ascii: MB/s vs ws + native add-ons', ratio: ratio('ascii', 65536, WS, 'megabytesPerSecond'), goal: 1 },
  { name: 'idle memory per connection: ws RSS ÷ wsframe RSS', ratio: memory[1].rssPerConnection / memory[0].rssPerConnection, goal: 2 },
].map((t) => ({ ...t, pass: t.ratio >= t.goal }));

const m = machine();
const loadAverage = [loadBefore, os.loadavg()[0]];
const load = `load average ${loadBefore.toFixed(1)} at the start, ${loadAverage[1].toFixed(1)} at the end (${m.cores} cores; other work on the machine skews absolute figures, ratios less)`;
const md = `# Echo server over loopback

${machineLine(m)}${QUICK ? ' · **quick run**' : ''}

Each server runs in its own process${PIN ? ' pinned to core 0 (`taskset`); the load generator is pinned to core 1' : ' (no taskset here: not pinned)'}.
${CONNECTIONS} connections each keep ${WINDOW} masked messages in flight and answer every echo with a new one; ${SECONDS} s
measured after a ${WARMUP_SECONDS} s warm-up (time for each server's heap to reach its size under the load), a fresh server per run. ${ROUNDS} rounds: each round runs every payload, the servers of a payload
back to back (each round in a turned order); the rounds follow each other, so other work on the machine at one moment
touches one sample of each figure. Figures are medians over the rounds, ± half their spread; a ratio is the median of the
ratios within each round, with their range. Payloads:
\`ascii\` (all 'x'), \`mixed\` (valid UTF-8 cycling 1-, 2-, 3- and 4-byte characters), \`binary\` (random bytes,
binary frames). CPU is a process's user + system time per second of wall time: a run whose server stayed under
${BUSY * 100}% while the load generator was over it measured the load generator, not the server.
${load}.
Servers: ${Object.entries(addons).map(([k, v]) => `${k}: ${v}`).join('; ')}.

## Throughput (k msgs/s)

${throughput}
${floorRows.length === 0 ? '' : `The floor (bench/support/echo-floor-server.mjs) is no WebSocket server: a bare node:net server with wsframe's
socket options, pinned like the others, that reads into the same shared buffer through \`onread\`, walks each read's
frame headers to count the frames it completes, and answers them with one \`socket.write\` of that many copies of a
constant reply (the first frame's echo: right here only because the load generator repeats one message). It does not
unmask, validate UTF-8, make a message or emit an event: every JavaScript WebSocket server on node:net does at least
what it does per read, so its rate bounds theirs on this machine. Floor ÷ Bun.serve below 1.0× in every round means
the 16 B target (≥ 1.0× Bun) is out of reach on node:net; wsframe ÷ floor is how much of that bound wsframe reaches.
The floor is no target: it is measured so the targets' ceiling stands beside them.
`}
## Latency at a fixed offered rate

Open loop: messages leave on a 1 ms schedule at half the rate ws + native add-ons reached for that size above
(ASCII text), spread over the ${CONNECTIONS} connections; each round trip is timed from the moment its message was due.
${LATENCY_RUNS} runs per server and size (${fixed(latencySeconds, 0)} s in all), interleaved: run 1 of every size and server, then run 2, …,
the servers in an order that turns each run, so a burst of other work on this shared machine touches one run of each
server rather than all runs of one. The table gives each figure's median over the runs (p50 and p99 each the median of
the runs' own percentiles) and, in brackets, the p99's range over the runs (min–max); every run is listed below and kept in the JSON
(\`latencyRuns\`). Server CPU per message: what each message cost the server at that rate (median over the runs).
"N off the rate" counts runs whose echoed rate was more than ${OFF_RATE * 100}% off the offered rate: a backlog grew (the
server, or the machine, did not keep up for a while) or one from the warm-up drained, and their latency is mostly the
backlog's age. VM steal is measured over each run as in the throughput part; runs with ${DISTURBED_STEAL} core or more
(disturbed), per size: ${disturbedBySize(latencyRuns)}.

${latencyTable(latency)}

<details><summary>Every fixed-rate run</summary>

${table(['size', 'run', 'server', 'load average', 'VM steal (cores)', 'p50 (ms)', 'p99 (ms)', 'server CPU per message (µs)', 'k msgs/s echoed'],
  latencyRuns.map((r) => [size(r.size), r.round + 1, r.server, fixed(r.loadAverage, 1), stealCell(r), fixed(r.p50ms, 3), fixed(r.p99ms, 3), fixed(r.serverCpuPerMessage * 1e6), fixed(r.messagesPerSecond / 1000, 1)]))}

</details>

## Idle memory

${memoryTable(memory)}

## Targets

${table(['target', 'ratio', 'goal', '', 'over the undisturbed rounds only'], targets.map((t) => [t.name, `${fixed(t.ratio)}×`, `≥ ${t.goal}×`, t.pass ? 'PASS' : '**MISS**', undisturbedCell(t.undisturbed)]))}

The verdicts use every round. For the targets against Bun.serve, the last column gives the same ratio over the rounds in
which neither server's run had ${DISTURBED_STEAL} core of VM steal or more, with how many rounds that leaves: where it
differs from the verdict's ratio, the host's steal moved the result (an information, not a second verdict).
`;
/** The floors, for the summary's notes (bench/run.mjs): measured ceilings, not targets. */
const notes = floorRows.filter((r) => r.vsBun !== null).map((r) => `${r.floor} at ${size(r.size)} ${r.kind}: ${fixed(r.messagesPerSecond / 1000, 1)} k msgs/s, ` +
  `floor ÷ Bun.serve ${ratioCell(r.vsBun)} (by CPU per message ${ratioCell(r.cpuVsBun)}), wsframe ÷ floor ${ratioCell(r.wsframeVsFloor)} ` +
  `(by CPU per message ${ratioCell(r.cpuWsframeVsFloor)}): ${floorVerdict(r)}`);
saveResults('echo', { machine: m, load, loadAverage, quick: QUICK, pinned: PIN, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, rounds: ROUNDS, connections: CONNECTIONS, window: WINDOW, addons, echo, floors: floorRows, notes, runs, latencyRunsPerCell: LATENCY_RUNS, latencySeconds, latency, latencyRuns, memory, targets }, md);
console.log(md);
