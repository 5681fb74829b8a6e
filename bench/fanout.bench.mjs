// Fan-out in one process: one publisher and 500 subscribers on one topic,
// 16 B and 1 KiB messages. The relay runs pinned to one core, the load
// generator (support/fanout-load.mjs) to the other. Relays, back to back for
// each size so drift on this shared machine hits them alike:
// - wsframe: createRelayServer (ws.subscribe, ws.publish; framed once per message),
// - ws: the idiomatic loop over wss.clients with send,
// - Bun.serve: ws.subscribe / ws.publish (uWebSockets).
// The publisher sends bursts of 64; the next burst leaves once the slowest
// subscriber is less than two bursts behind (about 128 messages in flight per
// subscriber). Deliveries/s = messages received by all subscribers per second.
// Every message carries a sequence number: each subscriber must receive each
// one, once, in order ('lost' and 'out of order' are counted for every relay).
// wsframe runs with its default limits: every subscriber keeps reading, so
// none may lose a message. ROUNDS rounds; each ratio is taken within a round
// (the relays of one size back to back) and the median round is reported,
// with the range of all rounds.
// Usage: node bench/fanout.bench.mjs   (BENCH_QUICK=1 for a smoke run)
import os from 'node:os';
import { binary } from '../scripts/runtimes/tools.mjs';
import { QUICK, fixed, machine, machineLine, median, saveResults, size, table } from './support/harness.mjs';
import { launch } from './support/child-processes.mjs';

const SUBSCRIBERS = 500;
const SECONDS = QUICK ? 1 : 3;
const ROUNDS = QUICK ? 1 : 3;
const SIZES = [16, 1024];
const SERVERS = ['wsframe', 'ws', 'Bun.serve'];

async function run(server, bytes) {
  const relay = server === 'Bun.serve'
    ? launch(0, binary('bun'), [new URL('support/fanout-server-bun.mjs', import.meta.url).pathname], { ipc: false })
    : launch(0, process.execPath, [new URL('support/fanout-server.mjs', import.meta.url).pathname, server]);
  try {
    const { port, version } = await relay.next();
    const url = `ws://127.0.0.1:${port}/bench`;
    const load = launch(1, process.execPath, [new URL('support/fanout-load.mjs', import.meta.url).pathname, JSON.stringify({ pub: url, sub: url, subscribers: SUBSCRIBERS, size: bytes, seconds: SECONDS, mode: 'throughput', serverPid: relay.proc.pid })]);
    await load.next(); // ready
    const result = await load.next();
    await load.exited;
    return { ...result, version };
  } finally {
    relay.proc.kill('SIGKILL');
    await relay.exited;
  }
}

const loadBefore = os.loadavg()[0];
const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const bytes of SIZES) {
    for (const server of SERVERS) {
      const r = await run(server, bytes);
      console.log(`round ${round}, ${server} ${size(bytes)}: ${(r.deliveries / 1e6).toFixed(2)} M deliveries/s, lost ${r.lost} and ${r.outOfOrder} out of order of ${r.sent * r.subscribers}; relay at ${fixed(r.serverCpu ?? NaN)} of a core, load generator at ${fixed(r.loadCpu)}`);
      rows.push({ round, server, size: bytes, ...r });
    }
  }
}
const loadAfter = os.loadavg()[0];

const rounds = Array.from({ length: ROUNDS }, (_, i) => i + 1);
const get = (server, bytes, round) => rows.find((r) => r.server === server && r.size === bytes && r.round === round);
const across = (server, bytes, key) => rounds.map((round) => get(server, bytes, round)[key]);
const ratios = (a, b, bytes) => rounds.map((round) => get(a, bytes, round).deliveries / get(b, bytes, round).deliveries);
const targets = [
  { name: 'fan-out 16 B vs ws', ratios: ratios('wsframe', 'ws', 16), goal: 5 },
  { name: 'fan-out 1 KiB vs ws', ratios: ratios('wsframe', 'ws', 1024), goal: 3 },
  { name: 'fan-out 16 B vs Bun', ratios: ratios('wsframe', 'Bun.serve', 16), goal: 1 },
].map((t) => ({ ...t, ratio: median(t.ratios), pass: median(t.ratios) >= t.goal }));
const lossless = rows.filter((r) => r.server === 'wsframe').every((r) => r.lost === 0);
const ordered = rows.every((r) => r.outOfOrder === 0);
/** The median of `values` and, over several rounds, their range; '–' where none is known. */
const range = (values, format) => {
  const known = values.filter((v) => v !== null);
  if (known.length === 0) return '–';
  return known.length === 1 ? format(known[0]) : `${format(median(known))} (${format(Math.min(...known))}–${format(Math.max(...known))})`;
};
const millions = (v) => `${(v / 1e6).toFixed(2)} M`;
const times = (v) => `${fixed(v)}×`;
const share = (v) => v.toFixed(2);
/** Deliveries per CPU second of the relay: what it does with the core it gets (on a busy machine it waits for one). */
const perCpu = (r) => (r.serverCpu ? r.deliveries / r.serverCpu : null);
const m = machine();
const bun = get('Bun.serve', 16, 1).version;

const markdown = `# Fan-out in one process

One publisher and ${SUBSCRIBERS} subscribers on one topic; the relay pinned to one core, the load generator to the
other; bursts of 64 messages, the next once the slowest subscriber is less than two bursts behind (about 128 messages
in flight per subscriber). Deliveries/s: messages received by all subscribers per second (${SECONDS} s measured after
1 s of warm-up). ws: \`wss.clients\` loop with \`send\`; Bun ${bun}: \`ws.publish\`; wsframe: \`ws.publish\` with its
default limits (\`maxBackpressure\` 1 MiB). ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}, the relays of one size back
to back in each: the median round, and the range of all rounds in brackets. CPU: each process's share of a core over
the window (from /proc); a relay near 1.00 is what limits the figure; one well below 1.00 waited (for its core, on a
busy machine, or for the load generator: near 1.00 that one limits the figure).

${machineLine(m)} · load average ${fixed(loadBefore, 1)} → ${fixed(loadAfter, 1)}

${table(['relay', 'message', 'deliveries/s', 'per relay CPU second', 'relay CPU', 'load generator CPU', 'lost / out of order'], SIZES.flatMap((b) => SERVERS.map((s) => [
  s,
  size(b),
  range(across(s, b, 'deliveries'), millions),
  range(rounds.map((round) => perCpu(get(s, b, round))), millions),
  range(across(s, b, 'serverCpu'), share),
  range(across(s, b, 'loadCpu'), share),
  `${across(s, b, 'lost').reduce((x, y) => x + y, 0)} / ${across(s, b, 'outOfOrder').reduce((x, y) => x + y, 0)}`,
])))}

Targets (ratios within each round; the median round, all rounds in brackets):

${table(['target', 'ratio', 'goal', ''], targets.map((t) => [t.name, range(t.ratios, times), `≥ ${t.goal}×`, t.pass ? 'PASS' : '**MISS**']))}

A subscriber that keeps reading loses no message with the default limits: ${lossless ? 'PASS (0 lost)' : '**MISS**'}.
Every relay delivered each message once and in order to each subscriber that got it: ${ordered ? 'PASS (0 out of order)' : '**MISS**'}.
`;
saveResults('fanout', { machine: m, quick: QUICK, load: [loadBefore, loadAfter], subscribers: SUBSCRIBERS, rounds: ROUNDS, results: rows, targets, lossless, ordered }, markdown);
console.log(markdown);
