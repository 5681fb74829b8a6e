// Per-message cost of one echo server under the closed-loop load of
// bench/echo.bench.mjs, measured from outside by an attached tool, for
// bench/results/echo-profile.md:
//   node bench/support/echo-profile.mjs <wsframe|bun|ws|floor|floor-unmask|floor-handle|floor-api> <kind> <size> <seconds> <tool>
// (floor…: the node:net floor of echo-floor-server.mjs in that mode)
// tool: `perf` (perf stat: task-clock, user/kernel instructions and cycles),
// `strace` (syscalls by count; it slows the server, so read counts per
// message, not times), `cpu` (only /proc CPU time, user and system), or
// `record` (perf record -g of the window, written to /tmp/echo-profile.<kind>.data).
// WSFRAME_BUILD picks another wsframe build (as in echo-server.mjs); ECHO_LOAD=c the C load generator
// (echo-load.c, compiled with the system's cc).
// Server on core 0, load generator on core 1, as the bench.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { binary } from '../../scripts/runtimes/tools.mjs';
import { childInbox } from './child-inbox.mjs';
import { USER_HZ, readCpuStat } from './cpu-stat.mjs';
import { launchNativeLoad } from './echo-load-native.mjs';

const [server, kind = 'ascii', size = '16', seconds = '3', tool = 'cpu'] = process.argv.slice(2);
const support = new URL('./', import.meta.url);

function launch(core, command, args, ipc) {
  return spawn('taskset', ['-c', String(core), command, ...args], { stdio: ['ignore', ipc ? 'inherit' : 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])] });
}
const once = (proc, event) => new Promise((resolve) => proc.once(event, resolve));
/** A process's CPU time (s), minor page faults and context switches (voluntary: it waited; involuntary: the core was taken from it). */
function cpu(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const count = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { user: Number(f[11]) / USER_HZ, system: Number(f[12]) / USER_HZ, faults: Number(f[7]), waits: count('voluntary_ctxt_switches'), preempted: count('nonvoluntary_ctxt_switches'), rss: count('VmRSS') / 1024 };
}

/** The kernel's TCP counters (/proc/net/netstat TcpExt, machine-wide: read them where nothing else moves TCP). */
function tcpCounters() {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((line) => line.startsWith('TcpExt:'));
  const names = lines[0].split(' ').slice(1);
  const values = lines[1].split(' ').slice(1).map(Number);
  return Object.fromEntries(names.map((name, i) => [name, values[i]]));
}

/** Per core: `{ busy, steal }` in seconds from /proc/stat (busy: user, nice, system, irq, softirq). */
const cores = () => readCpuStat().cores;

let srv;
let port;
if (server === 'bun') {
  srv = launch(0, binary('bun'), [new URL('echo-server-bun.mjs', support).pathname], false);
  const line = await new Promise((resolve) => srv.stdout.once('data', resolve));
  port = JSON.parse(String(line).split('\n')[0]).port;
} else {
  const args = tool === 'record' ? ['--perf-basic-prof'] : [];
  const script = server.startsWith('floor') ? 'echo-floor-server.mjs' : 'echo-server.mjs';
  srv = launch(0, process.execPath, [...args, new URL(script, support).pathname, server], true);
  port = (await once(srv, 'message')).port;
}
// ECHO_LOAD=c: the load generator in C (echo-load.c), to tell the server's share of a closed loop from JavaScript's in the generator.
const loadInbox =
  process.env.ECHO_LOAD === 'c'
    ? launchNativeLoad(1, { port, connections: 16, window: 32, size: Number(size), kind, warmupMs: 500, seconds: Number(seconds) })
    : { ...childInbox(launch(1, process.execPath, [new URL('echo-load.mjs', support).pathname, port, 16, 32, size, seconds, kind, 0].map(String), true), 'echo-load.mjs'), go() { this.proc.send('go'); } };
const load = loadInbox.proc;
await loadInbox.next(); // warm
const pid = srv.pid;
let attached = null;
let out = '';
if (tool === 'perf') attached = spawn('perf', ['stat', '-x,', '-e', 'task-clock,page-faults,context-switches,cpu-migrations', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
if (tool === 'strace') attached = spawn('strace', ['-c', '-f', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
if (tool === 'record') attached = spawn('perf', ['record', '-F', '2999', '-g', '-o', `/tmp/echo-profile.${server}.data`, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
attached?.stderr.on('data', (d) => (out += d));
if (attached) await new Promise((r) => setTimeout(r, 300));
const before = cpu(pid);
const loadBefore = cpu(load.pid);
const tcpBefore = tcpCounters();
const coresBefore = cores();
loadInbox.go();
const result = await loadInbox.next();
const after = cpu(pid);
const loadAfter = cpu(load.pid);
const tcpAfter = tcpCounters();
const coresAfter = cores();
if (attached) {
  attached.kill('SIGINT');
  await once(attached, 'exit');
}
const m = result.messages;
const us = (s) => ((s * 1e6) / m).toFixed(3);
console.log(`${server} ${kind} ${size} B: ${(m / result.seconds / 1000).toFixed(1)} k msgs/s; server CPU per message ${us(after.user - before.user + after.system - before.system)} µs (user ${us(after.user - before.user)}, system ${us(after.system - before.system)})`);
// Whether the server had its core: its CPU share of the window, the load generator's, and per 1,000 messages its
// minor page faults, the times it waited (voluntary switches) and the times the core was taken from it (involuntary);
// its resident memory at the window's start and end.
const share = (a, b) => `${Math.round(((b.user - a.user + b.system - a.system) / result.seconds) * 100)}%`;
const per1k = (n) => ((n * 1000) / m).toFixed(2);
console.log(`  server CPU ${share(before, after)}, load generator ${share(loadBefore, loadAfter)}; per 1,000 messages: faults ${per1k(after.faults - before.faults)}, waits ${per1k(after.waits - before.waits)}, preempted ${per1k(after.preempted - before.preempted)}; RSS ${before.rss.toFixed(1)} → ${after.rss.toFixed(1)} MB; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
// Whether anything else ran on the two cores: each core's busy time beside what the server (core 0) and the load
// generator (core 1) used, and the hypervisor's steal, as shares of the window.
const pct = (x) => `${Math.round((x / result.seconds) * 100)}%`;
const spent = (a, b) => b.user - a.user + b.system - a.system;
const others = [spent(before, after), spent(loadBefore, loadAfter)].map((own, core) => pct(coresAfter[core].busy - coresBefore[core].busy - own));
const steal = coresAfter.slice(0, 2).map((c, core) => pct(c.steal - coresBefore[core].steal));
console.log(`  others on core 0 / core 1: ${others.join(' / ')}; steal ${steal.join(' / ')}`);
if (process.env.ECHO_PROFILE_TCP) {
  // What the TCP stack did besides the data: queue pruning and collapsing (copies), zero windows, coalescing.
  const moved = Object.keys(tcpAfter).filter((name) => tcpAfter[name] - tcpBefore[name] >= m / 1000);
  console.log(`  TCP per 1,000 messages: ${moved.map((name) => `${name} ${per1k(tcpAfter[name] - tcpBefore[name])}`).join(', ')}`);
}
if (tool === 'perf') {
  // perf saw a bit more than the window (from attach to the load's end): scale by its task-clock.
  for (const line of out.trim().split('\n')) {
    const [value, unit, event] = line.split(',');
    if (!event) continue;
    const per = unit === 'msec' ? `${((Number(value) * 1000) / m).toFixed(3)} µs` : (Number(value) / m).toFixed(4);
    console.log(`  ${event}: ${per} per message (from attach to the end of the load)`);
  }
}
if (tool === 'strace') {
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 5 && /^\d/.test(f[3] ?? '') && f[f.length - 1] !== 'total') console.log(`  ${f[f.length - 1]}: ${(Number(f[3]) / m).toFixed(4)} per message`);
    else if (f[f.length - 1] === 'total') console.log(`  total: ${(Number(f[2]) / m).toFixed(4)} per message`);
  }
}
if (srv.channel) srv.send('exit');
else srv.kill('SIGTERM');
await Promise.all([once(srv, 'exit'), once(load, 'exit')]);
