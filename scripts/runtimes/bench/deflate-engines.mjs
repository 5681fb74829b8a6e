// permessage-deflate engines in every runtime the codec targets: Node (this one and the pinned 22, 24, 26), Deno,
// Bun, Cloudflare workerd and Chromium. µs per message to inflate and to compress the deflate benchmark's 1 KiB and
// 16 KiB JSON-like messages, with and without context takeover, for each candidate the runtime has: the WASM
// module, node:zlib, pako and the runtime's own (async) DecompressionStream/CompressionStream (deflate-core.mjs
// says how each is driven). docs/codec.md ("Which engine, per runtime") chooses from these figures.
// Run: npm run bench:deflate-engines (BENCH_QUICK=1 to smoke). Results: bench/results/deflate-engines.{json,md}.
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QUICK, fixed, machine, machineLine, saveResults, size, table } from '../../../bench/support/harness.mjs';
import { freePort } from '../../redis-server.mjs';
import { launchChromium, inPage } from '../browser.mjs';
import { bundle } from '../bundle.mjs';
import { nodeBinary } from '../node.mjs';
import { binary } from '../tools.mjs';
import { workerdServe } from '../workerd.mjs';
import { measureDeflate, runDeflate } from './deflate-core.mjs';

const exec = promisify(execFile);
const BUDGET_MS = QUICK ? 40 : 350;
const ROUNDS = QUICK ? 3 : 7;
const options = { budgetMs: BUDGET_MS, rounds: ROUNDS };

function parse(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('@@wsframe-bench '));
  if (!line) throw new Error(`no result line:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('@@wsframe-bench '.length));
}

let cliBundle;
async function cli(command) {
  cliBundle ??= await bundle({ name: 'deflate-bench-cli', entry: 'scripts/runtimes/bench/deflate-cli.mjs', target: 'cli' });
  const { stdout } = await exec(command[0], [...command.slice(1), join(cliBundle, 'deflate-cli.mjs'), String(BUDGET_MS)], { maxBuffer: 16 << 20, timeout: 600_000 });
  return parse(stdout);
}

/** workerd: timed from outside, per request (deflate-worker.mjs), less an empty request's cost. */
async function workerd() {
  const dir = await bundle({ name: 'deflate-bench-workerd', entry: 'scripts/runtimes/bench/deflate-worker.mjs', target: 'workerd' });
  const server = await workerdServe(dir, 'deflate-worker.mjs', await freePort());
  try {
    const { tasks } = await (await fetch(`${server.url}/tasks`)).json();
    const call = async (id, n) => {
      const start = performance.now();
      await (await fetch(`${server.url}/run?id=${id}&n=${n}`)).text();
      return performance.now() - start;
    };
    // Warm every task first: a cold one (pako before the JIT settles) would be calibrated to batches too short to
    // stand out of a request's jitter.
    for (const task of tasks) await call(task.id, 300);
    const empty = [];
    for (let i = 0; i < 9; i++) empty.push(await call(0, 0));
    const overhead = Math.min(...empty);
    // Batches of ≥ 100 ms, so the request's own cost (and its jitter) stays small beside them.
    const results = await measureDeflate(tasks, async (task, n) => Math.max(1e-6, (await call(task.id, n)) - overhead), { ...options, budgetMs: Math.max(BUDGET_MS, 100 * ROUNDS) });
    return { runtime: 'workerd (V8; the WASM module imported as a file, as wrangler deploys it)', results };
  } finally {
    server.close();
  }
}

async function chromium() {
  const browser = await launchChromium();
  try {
    const dir = await bundle({ name: 'deflate-bench-browser', entry: 'scripts/runtimes/bench/deflate-browser.mjs', target: 'browser' });
    return await inPage(browser, join(dir, 'deflate-browser.js'), undefined, (page) => page.evaluate((o) => globalThis.wsframeDeflateBench.run(o), options));
  } finally {
    await browser.close();
  }
}

const runners = [
  ['node', async () => ({ runtime: `Node ${process.version}`, results: await runDeflate(() => performance.now(), options) })],
  ...[22, 24, 26].map((major) => [`node${major}`, () => cli([nodeBinary(major)])]),
  ['deno', () => cli([binary('deno'), 'run', '-A'])],
  ['bun', () => cli([binary('bun')])],
  ['workerd', workerd],
  ['chromium', chromium],
];
const only = process.env.DEFLATE_RUNTIMES?.split(',');

const loadStart = loadavg();
const report = { quick: QUICK, load: [], runtimes: [] };
for (const [name, run] of runners) {
  if (only && !only.includes(name)) continue;
  const started = Date.now();
  const result = await run();
  report.runtimes.push({ name, ...result });
  console.log(`${name}: ${result.runtime}, ${((Date.now() - started) / 1000).toFixed(1)} s, load ${loadavg()[0].toFixed(1)}`);
}
report.load = [loadStart[0], loadavg()[0]];

const CANDIDATES = ['WASM', 'node:zlib', 'pako'];
const STREAMS = { inflate: 'DecompressionStream', compress: 'CompressionStream' };
const cell = (x) => (x ? fixed(x.us, x.us < 10 ? 2 : 1) : '—');
const rows = report.runtimes.flatMap((r) => ['inflate', 'compress'].flatMap((op) => ['no takeover', 'takeover'].flatMap((mode) => [1024, 16384].map((bytes) => {
  const of = (name) => r.results.find((x) => x.op === op && x.mode === mode && x.bytes === bytes && x.name === name);
  const wasm = of('WASM');
  const others = ['node:zlib', 'pako'].map(of).filter(Boolean);
  const best = others.reduce((a, b) => (a && a.us <= b.us ? a : b), undefined);
  return [r.name, op, mode, size(bytes), ...CANDIDATES.map((name) => cell(of(name))), cell(of(STREAMS[op])),
    wasm && best ? `${fixed(best.us / wasm.us)}× (${best.name})` : '—'];
}))));

const m = machine(); // at the end: the run's VM steal and the load when the results are written
report.machine = m;
const markdown = `# permessage-deflate engines per runtime

${machineLine(m)}${QUICK ? ' · **quick run**' : ''} · load average ${fixed(report.load[0], 1)} → ${fixed(report.load[1], 1)}

${report.runtimes.map((r) => `- **${r.name}**: ${r.runtime}`).join('\n')}

µs per message (lower is better), the deflate benchmark's JSON-like messages (the 64 of its corpus, cycled), one
message at a time; compression at the modes' default levels (1 without takeover, 2 with it), window 15. Each figure
is the best of ${ROUNDS} batches, the batches of all candidates interleaved. The streams are asynchronous: a
(De)CompressionStream per message without takeover, one DecompressionStream per connection with it (a
CompressionStream cannot flush without ending, so it cannot compress with takeover). The WASM module is measured on
every message it can take, whatever share the engine gives it (\`DeflateEngine.wasmMax\`); it inflates without
takeover only. workerd is timed from outside per request, less an empty request's cost. "WASM speed-up" is the
faster of node:zlib and pako divided by WASM's time.

${table(['runtime', 'op', 'mode', 'size', 'WASM', 'node:zlib', 'pako', 'runtime stream (async)', 'WASM speed-up'], rows)}
`;
console.log(markdown);
if (!only) saveResults('deflate-engines', report, markdown);
