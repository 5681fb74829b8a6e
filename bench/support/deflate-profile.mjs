// Per-echo cost of one compressed-echo server under bench/deflate.bench.mjs's load (16 connections x 32
// compressed JSON-like messages in flight), measured from outside, for docs/server.md's permessage-deflate section:
//   node bench/support/deflate-profile.mjs <wsframe|bun> [mode] [size] [seconds] [tool]
// mode: wsframe's `perMessageDeflate` mode (dedicated, shared); tool: `cpu` (only /proc CPU time, user and
// system), `perf` (perf stat: task-clock, page faults, context switches), `record` (perf record -g of the
// window with --perf-basic-prof, written to /tmp/deflate-profile.<server>.data; read it with
// `perf report -i ... --no-children --sort symbol`) or `cpuprof` (node --cpu-prof of the whole server run,
// written to /tmp/deflate-profile-cpuprof/). WSFRAME_BUILD picks another wsframe build (as deflate-server.mjs).
// Server on core 0, load generator on core 1, as the bench.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { binary } from '../../scripts/runtimes/tools.mjs';
import { launch } from './child-processes.mjs';

const [server, mode = 'dedicated', size = '1024', seconds = '3', tool = 'cpu'] = process.argv.slice(2);
const support = new URL('./', import.meta.url);
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
const once = (proc, event) => new Promise((resolve) => proc.once(event, resolve));

function cpu(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(f[11]) / TICKS, system: Number(f[12]) / TICKS };
}

/** Stops the attached tool (perf writes its file or figures as it exits). */
async function detach(tool) {
  if (tool === null) return;
  tool.kill('SIGINT');
  await once(tool, 'exit');
}

const flags = { record: ['--perf-basic-prof'], cpuprof: ['--cpu-prof', '--cpu-prof-dir=/tmp/deflate-profile-cpuprof'] }[tool] ?? [];
const srv = server === 'bun'
  ? launch(0, binary('bun'), [new URL('echo-server-bun.mjs', support).pathname, 'deflate'], { ipc: false })
  : launch(0, process.execPath, [...flags, new URL('deflate-server.mjs', support).pathname, server, mode], {});
const { port } = await srv.next();
const load = launch(1, process.execPath, [new URL('deflate-load.mjs', support).pathname, port, 16, 32, size, seconds].map(String));
await load.next(); // warm
const pid = srv.proc.pid;
let attached = null;
let out = '';
if (tool === 'perf') attached = spawn('perf', ['stat', '-x,', '-e', 'task-clock,page-faults,context-switches', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
if (tool === 'record') attached = spawn('perf', ['record', '-F', '2999', '-g', '-o', `/tmp/deflate-profile.${server}.data`, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
attached?.stderr.on('data', (d) => (out += d));
if (attached) await new Promise((r) => setTimeout(r, 300));
const before = cpu(pid);
load.proc.send('go');
const result = await load.next();
const after = cpu(pid);
await detach(attached);
const m = result.messages;
const perEcho = (seconds) => ((seconds * 1e6) / m).toFixed(2);
const [user, system] = [after.user - before.user, after.system - before.system];
console.log(`${server} ${mode} ${size} B: ${(m / result.seconds / 1000).toFixed(1)} k echoes/s (${((100 * result.compressed) / m).toFixed(0)}% compressed, ${(result.wire / m).toFixed(1)} B each); server CPU per echo ${perEcho(user + system)} µs (user ${perEcho(user)}, system ${perEcho(system)})`);
// perf stat -x, lines: value,unit,event,… (task-clock in msec, the others counts); from attach to the load's end.
const counters = tool === 'perf' ? out.trim().split('\n').map((line) => line.split(',')).filter((fields) => fields[2]) : [];
for (const [value, unit, event] of counters) {
  console.log(`  ${event}: ${unit === 'msec' ? `${perEcho(Number(value) / 1000)} µs` : (Number(value) / m).toFixed(4)} per echo`);
}
await load.exited;
await srv.stop();
