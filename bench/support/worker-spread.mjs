// How evenly N worker processes share one port's connections, for
// bench/scale.bench.mjs (run under each Node binary of the matrix):
//   node worker-spread.mjs <json { mode, workers, connections, rounds }>
// mode: 'round-robin' (node:cluster, the primary accepts and hands each
//       connection to the next worker: SCHED_RR, cluster's default on Linux),
//       'kernel' (node:cluster with SCHED_NONE: every worker accepts on the
//       shared socket, the kernel wakes one),
//       'reusePort' (each worker binds its own SO_REUSEPORT socket, `exclusive`
//       so cluster does not share it; the kernel picks a socket by a hash of
//       the client's address and port; Node >= 22.12 / 23.1).
// The primary opens `connections` TCP connections to 127.0.0.1 (at most 64 at
// once) and each worker answers with its index; per round it reports how many
// each worker got and how long the connections took. Prints one JSON line:
// { node, mode, rounds: [{ counts, ms }] } or { node, mode, unsupported }.
import cluster from 'node:cluster';
import net from 'node:net';
import { hasReusePort } from '../../build/esm/scale/workers.js';
import { freePort } from '../../scripts/redis-server.mjs';

const options = JSON.parse(process.argv[2]);
const { mode, workers: WORKERS = 2, connections: CONNECTIONS = 1000, rounds: ROUNDS = 3 } = options;

if (cluster.isWorker) {
  const index = Number(process.env.SPREAD_INDEX);
  const server = net.createServer((socket) => socket.end(String.fromCharCode(48 + index)));
  const listen = { port: Number(process.env.SPREAD_PORT), host: '127.0.0.1', ...(mode === 'reusePort' ? { exclusive: true, reusePort: true } : {}) };
  server.on('error', (error) => process.send({ error: error.message }));
  server.listen(listen, () => process.send({ listening: true }));
} else {
  const result = await primary();
  console.log(JSON.stringify({ node: process.version, mode, ...result }));
  process.exit(0);
}

async function primary() {
  if (mode === 'reusePort' && !hasReusePort()) return { unsupported: `reusePort needs Node >= 22.12 / 23.1` };
  cluster.schedulingPolicy = mode === 'kernel' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  const port = await freePort();
  const ready = [];
  for (let i = 0; i < WORKERS; i++) {
    const worker = cluster.fork({ SPREAD_INDEX: String(i), SPREAD_PORT: String(port) });
    ready.push(new Promise((resolve, reject) => worker.on('message', (m) => (m.error ? reject(new Error(m.error)) : resolve()))));
  }
  await Promise.all(ready);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await round(port));
  for (const worker of Object.values(cluster.workers)) worker.kill();
  return { rounds };
}

async function round(port) {
  const counts = new Array(WORKERS).fill(0);
  const start = performance.now();
  let next = 0;
  const one = () => new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      counts[answer.charCodeAt(0) - 48]++;
      resolve();
    });
  });
  const lane = async () => {
    while (next++ < CONNECTIONS) await one();
  };
  await Promise.all(Array.from({ length: 64 }, lane));
  return { counts, ms: performance.now() - start };
}
