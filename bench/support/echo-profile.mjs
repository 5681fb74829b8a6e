// Per-message cost of one echo server under the closed-loop load of
// bench/echo.bench.mjs, measured from outside by an attached tool, for
// bench/results/echo-profile.md:
//   node bench/support/echo-profile.mjs <wsframe|bun|ws|floor|floor-unmask|floor-handle|floor-api> <kind> <size> <seconds> <tool>
// (floor…: the node:net floor of echo-floor-server.mjs in that mode)
// tool: `perf` (perf stat: task-clock, user/kernel instructions and cycles),
// `strace` (syscalls by count; it slows the server, so read counts per
// message, not times), `cpu` (only /proc CPU time, user and system), or
// `record` (perf record -g of the window, written to /tmp/echo-profile.<kind>.data).
// WSFRAME_BUILD picks another wsframe build (as in echo-server.mjs).
// Server on core 0, load generator on core 1, as the bench.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { binary } from '../../scripts/runtimes/tools.mjs';

const [server, kind = 'ascii', size = '16', seconds = '3', tool = 'cpu'] = process.argv.slice(2);
const support = new URL('./', import.meta.url);
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

function launch(core, command, args, ipc) {
  return spawn('taskset', ['-c', String(core), command, ...args], { stdio: ['ignore', ipc ? 'inherit' : 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])] });
}
const once = (proc, event) => new Promise((resolve) => proc.once(event, resolve));
function cpu(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(f[11]) / TICKS, system: Number(f[12]) / TICKS };
}

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
const load = launch(1, process.execPath, [new URL('echo-load.mjs', support).pathname, port, 16, 32, size, seconds, kind, 0].map(String), true);
await once(load, 'message'); // warm
const pid = srv.pid;
let attached = null;
let out = '';
if (tool === 'perf') attached = spawn('perf', ['stat', '-x,', '-e', 'task-clock,page-faults,context-switches,cpu-migrations', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
if (tool === 'strace') attached = spawn('strace', ['-c', '-f', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
if (tool === 'record') attached = spawn('perf', ['record', '-F', '2999', '-g', '-o', `/tmp/echo-profile.${server}.data`, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
attached?.stderr.on('data', (d) => (out += d));
if (attached) await new Promise((r) => setTimeout(r, 300));
const before = cpu(pid);
load.send('go');
const result = await once(load, 'message');
const after = cpu(pid);
if (attached) {
  attached.kill('SIGINT');
  await once(attached, 'exit');
}
const m = result.messages;
const us = (s) => ((s * 1e6) / m).toFixed(3);
console.log(`${server} ${kind} ${size} B: ${(m / result.seconds / 1000).toFixed(1)} k msgs/s; server CPU per message ${us(after.user - before.user + after.system - before.system)} µs (user ${us(after.user - before.user)}, system ${us(after.system - before.system)})`);
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
