// Fan-out beyond one process, with the load generator of bench/fanout.bench.mjs:
// (b) two `wsframe relay --redis` processes joined by a real redis-server: the
//     publisher on one, the subscribers on the other. Deliveries/s, and
//     publish→receive latency p50/p99 at a fixed rate (open loop).
// (c) Workers, 2 against 1: fan-out (`wsframe relay --workers N`: deliveries/s
//     with the subscribers spread over the workers, IPC through the cluster
//     primary) and echo (wsframe's echo server under runWorkers: messages/s,
//     with the load of bench/echo.bench.mjs). On a 2-core machine shared with
//     the load generator this shows only the trend; more cores are where
//     workers pay.
// (d) How evenly 2 workers share 1,000 connections: cluster's round-robin
//     against reusePort, on Node 22 and 24 (binaries from npm, installed on
//     demand; support/worker-spread.mjs).
// Usage: node bench/scale.bench.mjs   (BENCH_QUICK=1 for a smoke run)
import { spawn } from 'node:child_process';
import os from 'node:os';
import { redisVersion, startRedis } from '../scripts/redis-server.mjs';
import { nodeBinary } from '../scripts/runtimes/node.mjs';
import { QUICK, fixed, machine, machineLine, saveResults, table } from './support/harness.mjs';
import { launch } from './support/child-processes.mjs';

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

/** Echo, 16 connections × 32 messages in flight (bench/echo.bench.mjs's load), on `n` workers. */
async function echoOn(n) {
  // Not pinned, as the relays above: the workers share both cores (with the load generator on core 1).
  const server = spawn(process.execPath, [new URL('support/echo-workers.mjs', import.meta.url).pathname, String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  try {
    const { port, balance } = await new Promise((resolve, reject) => {
      server.once('message', resolve);
      server.once('exit', (code) => reject(new Error(`echo-workers exited (${code})`)));
    });
    const load = launch(1, process.execPath, [new URL('support/echo-load.mjs', import.meta.url).pathname, port, 16, 32, SIZE, SECONDS, 'binary'].map(String));
    await load.next(); // warm
    load.proc.send('go');
    const result = await load.next();
    await load.exited;
    return { messagesPerSecond: result.messages / result.seconds, balance };
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
}
const echo = {};
for (const n of [1, 2]) {
  echo[n] = await echoOn(n);
  console.log(`echo, workers ${n}`, echo[n]);
}

// (d) Spread of connections over 2 workers.
const SPREAD_ROUNDS = QUICK ? 2 : 5;
const spread = [];
for (const major of [22, 24]) {
  for (const mode of ['round-robin', 'reusePort']) {
    const child = launch(0, nodeBinary(major), [new URL('support/worker-spread.mjs', import.meta.url).pathname, JSON.stringify({ mode, workers: 2, connections: 1000, rounds: SPREAD_ROUNDS })], { ipc: false });
    const result = await child.next();
    await child.exited;
    const imbalance = result.rounds.map((r) => Math.abs(r.counts[0] - 500));
    spread.push({ ...result, meanImbalance: imbalance.reduce((a, b) => a + b, 0) / imbalance.length, worst: Math.max(...imbalance) });
    console.log('spread', result.node, mode, result.rounds.map((r) => r.counts.join('/')).join(' '));
  }
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

\`wsframe relay --workers N\`, one publisher and 500 subscribers on one topic (spread over the workers: cluster's
round-robin on ${m.node}${m.node.startsWith('v20') ? '' : ' where reusePort is missing, else reusePort'}; a publish crosses to the other worker over IPC through the
primary), ${SIZE} B messages. This machine has
${m.cores} cores shared by the relay's processes and the load generator: it shows the trend only.

${table(['workers', 'deliveries/s', 'lost'], [1, 2].map((n) => [String(n), `${(workers[n].deliveries / 1e6).toFixed(2)} M`, String(workers[n].lost)]))}

Ratio 2 workers / 1: ${fixed(workers[2].deliveries / workers[1].deliveries)}×.

Echo (wsframe's echo server under \`runWorkers\`, connections spread by ${echo[2].balance}), 16 connections × 32
messages in flight, ${SIZE} B binary messages, the load generator of bench/echo.bench.mjs on core 1:

${table(['workers', 'messages/s'], [1, 2].map((n) => [String(n), `${(echo[n].messagesPerSecond / 1e6).toFixed(2)} M`]))}

Ratio 2 workers / 1: ${fixed(echo[2].messagesPerSecond / echo[1].messagesPerSecond)}×.

## Spreading connections over workers

2 workers, 1,000 TCP connections from 127.0.0.1 (at most 64 opening at once), ${SPREAD_ROUNDS} rounds. Imbalance:
|connections of worker 0 − 500|. Round-robin: node:cluster's primary accepts and hands connections to the workers in
turn; reusePort: each worker has its own SO_REUSEPORT socket, the kernel picks one by a hash of the client's address.

${table(['Node', 'mode', 'splits', 'mean imbalance', 'worst'], spread.map((r) => [r.node, r.mode, r.rounds.map((x) => x.counts.join('/')).join(', '), fixed(r.meanImbalance, 1), String(r.worst)]))}
`;
saveResults('scale', { machine: m, quick: QUICK, load: [loadBefore, loadAfter], redis: { throughput: viaRedis, latency, local, dropped }, workers, echo, spread }, markdown);
console.log(markdown);
