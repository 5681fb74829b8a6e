// Echo load over loopback: wsframe's server vs ws (with native add-ons, and
// pure JS), each started the same way in its own child process, driven by a
// load generator in another child (so the server has one core, the load the
// other). C connections each keep W masked text messages in flight; we report
// messages/s, MB/s, p50/p99 round-trip time and the server's CPU time. Then
// memory: RSS (and JS heap) per idle connection with 10,000 connections, opened
// from a separate process.
// Usage: node bench/echo.bench.mjs   (BENCH_QUICK=1 for a smoke run)
import { fork } from 'node:child_process';
import os from 'node:os';
import { QUICK, fixed, machine, machineLine, saveResults, size, table } from './support/harness.mjs';

const support = new URL('./support/', import.meta.url);
const SECONDS = QUICK ? 1 : 3;
const WINDOW = 32;
const CONNECTIONS = [1, 16];
const SIZES = [16, 1024, 65536];
const IDLE = QUICK ? 2000 : 10_000;

const SERVERS = [
  { name: 'wsframe', kind: 'wsframe', env: {} },
  { name: 'ws + native add-ons', kind: 'ws', env: {} },
  { name: 'ws pure JS', kind: 'ws', env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' } },
];

function child(script, args, env = {}, execArgv = []) {
  const proc = fork(new URL(script, support), args.map(String), { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox = [];
  const waiters = [];
  proc.on('message', (m) => (waiters.length ? waiters.shift()(m) : inbox.push(m)));
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
  const c = child('echo-server.mjs', [server.kind], server.env, ['--expose-gc']);
  const { port, addons } = await c.next();
  return { ...c, port, addons };
}

async function stop(c) {
  c.proc.send('exit');
  await c.exited;
}

const loadBefore = os.loadavg()[0];
const echo = [];
const addons = {};
for (const server of SERVERS) {
  for (const connections of CONNECTIONS) {
    for (const bytes of SIZES) {
      // A fresh server per scenario: no state (JIT tiers aside) carries over.
      const s = await startServer(server);
      addons[server.name] = s.addons;
      const load = child('echo-load.mjs', [s.port, connections, WINDOW, bytes, SECONDS]);
      await load.next(); // warm
      const before = await s.ask('usage');
      load.proc.send('go');
      const result = await load.next();
      const after = await s.ask('usage');
      await load.exited;
      await stop(s);
      const cpu = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6 / result.seconds;
      const row = {
        server: server.name, connections, size: bytes, window: WINDOW,
        messagesPerSecond: result.messages / result.seconds,
        megabytesPerSecond: result.bytes / result.seconds / 1e6,
        p50ms: result.p50, p99ms: result.p99, serverCpu: cpu,
      };
      echo.push(row);
      console.log(`${server.name.padEnd(20)} C=${String(connections).padEnd(2)} ${size(bytes).padEnd(6)} ${fixed(row.messagesPerSecond / 1000, 1).padStart(7)} k msg/s ${fixed(row.megabytesPerSecond, 1).padStart(7)} MB/s  p50 ${fixed(row.p50ms)} ms  p99 ${fixed(row.p99ms)} ms  server CPU ${fixed(cpu * 100, 0)}%`);
    }
  }
}

const memory = [];
for (const server of SERVERS.slice(0, 2)) {
  const s = await startServer(server);
  const before = await s.ask('usage');
  const clients = child('idle-connect.mjs', [s.port, IDLE]);
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
  console.log(`${server.name.padEnd(20)} ${open} idle connections: ${fixed(row.rssPerConnection / 1024)} KiB RSS, ${fixed(row.heapPerConnection / 1024)} KiB JS heap per connection`);
}

const find = (name, connections, bytes) => echo.find((r) => r.server === name && r.connections === connections && r.size === bytes);
const ratio = (bytes, key) => find('wsframe', 16, bytes)[key] / find('ws + native add-ons', 16, bytes)[key];
const memoryRatio = memory[1].rssPerConnection / memory[0].rssPerConnection;
const targets = [
  { name: 'echo 16 B, 16 connections: msgs/s vs ws + native add-ons', ratio: ratio(16, 'messagesPerSecond'), goal: 4 },
  { name: 'echo 1 KiB, 16 connections: msgs/s vs ws + native add-ons', ratio: ratio(1024, 'messagesPerSecond'), goal: 3 },
  { name: 'echo 64 KiB, 16 connections: MB/s vs ws + native add-ons', ratio: ratio(65536, 'megabytesPerSecond'), goal: 1 },
  { name: 'idle memory per connection: ws RSS ÷ wsframe RSS', ratio: memoryRatio, goal: 2 },
].map((t) => ({ ...t, pass: t.ratio >= t.goal }));

const m = machine();
const load = `load average ${loadBefore.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end (${m.cores} cores; other work on the machine skews absolute figures, ratios less)`;
const md = `# Echo server over loopback

${machineLine(m)}${QUICK ? ' · **quick run**' : ''}

Each server runs in its own child process (one core); a load generator in another child keeps ${WINDOW} masked text
messages in flight on each connection and answers every echo with a new message. ${SECONDS} s measured after a 0.5 s
warm-up, a fresh server per row. Server CPU is the server process's user + system time per second of wall time.
${load}.
Add-ons: ${Object.entries(addons).map(([k, v]) => `${k}: ${v}`).join('; ')}.

${table(['server', 'connections', 'size', 'k msgs/s', 'MB/s', 'p50 RTT (ms)', 'p99 RTT (ms)', 'server CPU'], echo.map((r) => [r.server, r.connections, size(r.size), fixed(r.messagesPerSecond / 1000, 1), fixed(r.megabytesPerSecond, 1), fixed(r.p50ms), fixed(r.p99ms), `${fixed(r.serverCpu * 100, 0)}%`]))}

## Idle memory

${table(['server', 'idle connections', 'RSS per connection', 'JS heap per connection', 'buffers per connection'], memory.map((r) => [r.server, r.connections, `${fixed(r.rssPerConnection / 1024)} KiB`, `${fixed(r.heapPerConnection / 1024)} KiB`, `${fixed(r.externalPerConnection / 1024)} KiB`]))}

## Targets

${table(['target', 'ratio', 'goal', ''], targets.map((t) => [t.name, `${fixed(t.ratio)}×`, `≥ ${t.goal}×`, t.pass ? 'PASS' : '**MISS**']))}
`;
saveResults('echo', { machine: m, load, quick: QUICK, seconds: SECONDS, window: WINDOW, addons, echo, memory, targets }, md);
console.log(md);
