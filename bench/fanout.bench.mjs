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
// wsframe runs with its default limits: every subscriber keeps reading, so
// none may lose a message (checked: 'lost').
// Usage: node bench/fanout.bench.mjs   (BENCH_QUICK=1 for a smoke run)
import os from 'node:os';
import { binary } from '../scripts/runtimes/tools.mjs';
import { QUICK, fixed, machine, machineLine, saveResults, size, table } from './support/harness.mjs';
import { launch } from './support/fanout-processes.mjs';

const SUBSCRIBERS = 500;
const SECONDS = QUICK ? 1 : 3;
const SIZES = [16, 1024];
const SERVERS = ['wsframe', 'ws', 'Bun.serve'];

async function run(server, bytes) {
  const relay = server === 'Bun.serve'
    ? launch(0, binary('bun'), [new URL('support/fanout-server-bun.mjs', import.meta.url).pathname], { ipc: false })
    : launch(0, process.execPath, [new URL('support/fanout-server.mjs', import.meta.url).pathname, server]);
  try {
    const { port, version } = await relay.next();
    const url = `ws://127.0.0.1:${port}/bench`;
    const load = launch(1, process.execPath, [new URL('support/fanout-load.mjs', import.meta.url).pathname, JSON.stringify({ pub: url, sub: url, subscribers: SUBSCRIBERS, size: bytes, seconds: SECONDS, mode: 'throughput' })]);
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
for (const bytes of SIZES) {
  for (const server of SERVERS) {
    const r = await run(server, bytes);
    console.log(`${server} ${size(bytes)}: ${(r.deliveries / 1e6).toFixed(2)} M deliveries/s, lost ${r.lost} of ${r.sent * r.subscribers}`);
    rows.push({ server, size: bytes, ...r });
  }
}
const loadAfter = os.loadavg()[0];

const get = (server, bytes) => rows.find((r) => r.server === server && r.size === bytes);
const ratio = (a, b, bytes) => get(a, bytes).deliveries / get(b, bytes).deliveries;
const targets = [
  { name: 'fan-out 16 B vs ws', ratio: ratio('wsframe', 'ws', 16), goal: 5 },
  { name: 'fan-out 1 KiB vs ws', ratio: ratio('wsframe', 'ws', 1024), goal: 3 },
  { name: 'fan-out 16 B vs Bun', ratio: ratio('wsframe', 'Bun.serve', 16), goal: 1 },
].map((t) => ({ ...t, pass: t.ratio >= t.goal }));
const lossless = SIZES.every((bytes) => get('wsframe', bytes).lost === 0);
const m = machine();
const bun = get('Bun.serve', 16).version;

const markdown = `# Fan-out in one process

One publisher and ${SUBSCRIBERS} subscribers on one topic; the relay pinned to one core, the load generator to the
other; bursts of 64 messages, the next once the slowest subscriber is less than two bursts behind (about 128 messages
in flight per subscriber). Deliveries/s: messages received by all subscribers per second (${SECONDS} s measured after
1 s of warm-up). ws: \`wss.clients\` loop with \`send\`; Bun ${bun}: \`ws.publish\`; wsframe: \`ws.publish\` with its
default limits (\`maxBackpressure\` 1 MiB).

${machineLine(m)} · load average ${fixed(loadBefore, 1)} → ${fixed(loadAfter, 1)}

${table(['relay', ...SIZES.map((b) => `${size(b)} deliveries/s`), ...SIZES.map((b) => `${size(b)} lost`)], SERVERS.map((s) => [
  s, ...SIZES.map((b) => `${(get(s, b).deliveries / 1e6).toFixed(2)} M`), ...SIZES.map((b) => String(get(s, b).lost)),
]))}

Targets:

${table(['target', 'ratio', 'goal', ''], targets.map((t) => [t.name, `${fixed(t.ratio)}×`, `≥ ${t.goal}×`, t.pass ? 'PASS' : '**MISS**']))}

A subscriber that keeps reading loses no message with the default limits: ${lossless ? 'PASS (0 lost)' : '**MISS**'}.
`;
saveResults('fanout', { machine: m, quick: QUICK, load: [loadBefore, loadAfter], subscribers: SUBSCRIBERS, results: rows, targets, lossless }, markdown);
console.log(markdown);
