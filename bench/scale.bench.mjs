// Fan-out beyond one process, with the load generator of bench/fanout.bench.mjs:
// (b) two `wsframe relay --redis` processes joined by a real redis-server: the
//     publisher on one, the subscribers on the other. Deliveries/s, and
//     publish→receive latency p50/p99 at a fixed rate (open loop).
// (c) `wsframe relay --workers 2` against `--workers 1`: deliveries/s with the
//     subscribers spread over the workers (IPC through the cluster primary).
//     On a 2-core machine shared with the load generator this shows only the
//     trend; more cores are where workers pay.
// Usage: node bench/scale.bench.mjs   (BENCH_QUICK=1 for a smoke run)
import { spawn } from 'node:child_process';
import os from 'node:os';
import { redisVersion, startRedis } from '../scripts/redis-server.mjs';
import { QUICK, fixed, machine, machineLine, saveResults, table } from './support/harness.mjs';
import { launch } from './support/fanout-processes.mjs';

const SECONDS = QUICK ? 1 : 3;
const SUBSCRIBERS = 200;
const SIZE = 16;
const RATE = 200;
const bin = new URL('../build/esm/cli/wsframe.js', import.meta.url).pathname;

/** `wsframe relay --port 0 ...args`; resolves with its URL and a stop function. */
function relay(...args) {
  const child = spawn(process.execPath, [bin, 'relay', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk));
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`relay exited (${code})`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (ws:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1], stderr: () => errors, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
    });
  });
}

async function load(options) {
  const l = launch(1, process.execPath, [new URL('support/fanout-load.mjs', import.meta.url).pathname, JSON.stringify({ size: SIZE, seconds: SECONDS, ...options })]);
  await l.next();
  const result = await l.next();
  await l.exited;
  return result;
}

const loadBefore = os.loadavg()[0];

// (b) Redis.
const redis = await startRedis();
const [a, b] = [await relay('--redis', redis.url), await relay('--redis', redis.url)];
const viaRedis = await load({ pub: `${a.url}/bench`, sub: `${b.url}/bench`, subscribers: SUBSCRIBERS, mode: 'throughput' });
const latency = await load({ pub: `${a.url}/bench`, sub: `${b.url}/bench`, subscribers: SUBSCRIBERS, mode: 'latency', rate: RATE });
const local = await load({ pub: `${b.url}/bench`, sub: `${b.url}/bench`, subscribers: SUBSCRIBERS, mode: 'latency', rate: RATE });
const dropped = [a.stderr(), b.stderr()].join('').match(/\d+ publish(es)? dropped/g) ?? [];
await a.stop();
await b.stop();
await redis.stop();
console.log('redis', viaRedis, latency, local);

// (c) Workers.
const workers = {};
for (const n of [1, 2]) {
  const r = await relay('--workers', String(n));
  workers[n] = await load({ pub: `${r.url}/bench`, sub: `${r.url}/bench`, subscribers: 500, mode: 'throughput' });
  await r.stop();
  console.log(`workers ${n}`, workers[n]);
}
const loadAfter = os.loadavg()[0];
const m = machine();

const markdown = `# Fan-out across processes

${machineLine(m)} · load average ${fixed(loadBefore, 1)} → ${fixed(loadAfter, 1)} · ${redisVersion().split(' ').slice(0, 3).join(' ')}

## Two relays joined by Redis

\`wsframe relay --redis\` twice; the publisher on one, ${SUBSCRIBERS} subscribers on the other; ${SIZE} B messages.

${table(['measure', 'value'], [
  ['deliveries/s (bursts of 64, ≤ 2 bursts in flight)', `${(viaRedis.deliveries / 1e3).toFixed(0)} k (lost ${viaRedis.lost} of ${viaRedis.sent * SUBSCRIBERS})`],
  [`publish→receive at ${RATE} msgs/s, through Redis`, `p50 ${fixed(latency.p50)} ms · p99 ${fixed(latency.p99)} ms (${latency.samples} samples)`],
  [`publish→receive at ${RATE} msgs/s, same relay (no Redis)`, `p50 ${fixed(local.p50)} ms · p99 ${fixed(local.p99)} ms (${local.samples} samples)`],
  ['publishes the relays dropped and reported (maxPending, Redis down)', dropped.length ? dropped.join(', ') : 'none'],
])}

## Workers

\`wsframe relay --workers N\`, one publisher and 500 subscribers on one topic (spread over the workers by cluster's
round-robin; a publish crosses to the other worker over IPC through the primary), ${SIZE} B messages. This machine has
${m.cores} cores shared by the relay's processes and the load generator: it shows the trend only.

${table(['workers', 'deliveries/s', 'lost'], [1, 2].map((n) => [String(n), `${(workers[n].deliveries / 1e6).toFixed(2)} M`, String(workers[n].lost)]))}

Ratio 2 workers / 1: ${fixed(workers[2].deliveries / workers[1].deliveries)}×.
`;
saveResults('scale', { machine: m, quick: QUICK, load: [loadBefore, loadAfter], redis: { throughput: viaRedis, latency, local, dropped }, workers }, markdown);
console.log(markdown);
