// UTF-8 validation and masking in every runtime the codec targets: Node, Deno,
// Bun, Cloudflare workerd and Chromium, each against what that runtime offers
// natively (TextDecoder fatal everywhere, buffer.isUtf8 where it exists) and a
// plain-JS loop. Target: ≥ 20× TextDecoder fatal for non-ASCII validation at
// ≥ 4 KiB in every runtime. Run: npm run bench:runtimes (BENCH_QUICK=1 to smoke).
import { execFile } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as codec from 'wsframe';
import { launchChromium, inPage } from '../browser.mjs';
import { bundle } from '../bundle.mjs';
import { binary } from '../tools.mjs';
import { workerdServe } from '../workerd.mjs';
import { measureAll, runAll } from './core.mjs';
import { QUICK, fixed, machine, machineLine, saveResults, size, table } from '../../../bench/support/harness.mjs';

const exec = promisify(execFile);
const BUDGET_MS = QUICK ? 60 : 400;
const GOAL = 20;

function parse(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('@@wsframe-bench '));
  if (!line) throw new Error(`no result line:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('@@wsframe-bench '.length));
}

async function node() {
  const results = await runAll(codec, { isUtf8 }, () => performance.now(), { budgetMs: BUDGET_MS });
  return { runtime: `Node ${process.version} (V8 ${process.versions.v8})`, implementation: codec.implementation(), results };
}

async function cli(command) {
  const script = new URL('./cli.mjs', import.meta.url).pathname;
  const { stdout } = await exec(command[0], [...command.slice(1), script, String(BUDGET_MS)], { maxBuffer: 16 << 20, timeout: 600_000 });
  return parse(stdout);
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** workerd: timed from outside, per request (see scripts/runtimes/bench/worker.mjs), less an empty request's cost. */
async function workerd() {
  const dir = await bundle({ name: 'bench-workerd', entry: 'scripts/runtimes/bench/worker.mjs', target: 'workerd' });
  const server = await workerdServe(dir, 'worker.mjs', await freePort());
  try {
    const { implementation, tasks } = await (await fetch(`${server.url}/tasks`)).json();
    const call = async (id, n) => {
      const start = performance.now();
      await (await fetch(`${server.url}/run?id=${id}&n=${n}`)).text();
      return performance.now() - start;
    };
    const empty = [];
    for (let i = 0; i < 9; i++) empty.push(await call(0, 0));
    const overhead = Math.min(...empty);
    // Batches of ≥ 50 ms, so the request's own cost (and its jitter) stays small beside them.
    const results = await measureAll(tasks, async (task, n) => Math.max(0, (await call(task.id, n)) - overhead), { budgetMs: Math.max(BUDGET_MS, 700) });
    return { runtime: 'workerd (Cloudflare Workers runtime, V8)', implementation, results };
  } finally {
    server.close();
  }
}

async function chromium() {
  const dir = await bundle({ name: 'bench-browser', entry: 'scripts/runtimes/bench/browser.mjs', target: 'browser' });
  const browser = await launchChromium();
  try {
    return await inPage(browser, join(dir, 'browser.js'), undefined, (page) => page.evaluate((budget) => globalThis.wsframeBench.run(budget), BUDGET_MS));
  } finally {
    await browser.close();
  }
}

const runners = [
  ['node', node],
  ['deno', () => cli([binary('deno'), 'run', '--allow-read', '--allow-env'])],
  ['bun', () => cli([binary('bun')])],
  ['workerd', workerd],
  ['chromium', chromium],
];

const report = { quick: QUICK, runtimes: [], targets: [] };
for (const [name, run] of runners) {
  const started = Date.now();
  const result = await run();
  report.runtimes.push({ name, ...result });
  console.log(`${name}: ${result.runtime}, ${result.implementation}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const find = (r, group, input, bytes, name) => r.results.find((x) => x.group === group && x.input === input && x.bytes === bytes && x.name === name);
for (const r of report.runtimes) {
  for (const bytes of [4096, 65536]) {
    const ours = find(r, 'utf8', 'mixed', bytes, 'wsframe isValidUTF8');
    const decoder = find(r, 'utf8', 'mixed', bytes, 'TextDecoder fatal');
    const ratio = ours.gbps / decoder.gbps;
    report.targets.push({ name: `${r.name}: non-ASCII ${size(bytes)} vs TextDecoder fatal`, ratio, goal: GOAL, pass: ratio >= GOAL });
  }
}

const cell = (x) => (x ? fixed(x.gbps) : '—');
const utf8Rows = report.runtimes.flatMap((r) => ['mixed', 'ascii'].flatMap((input) => [4096, 65536].map((bytes) => {
  const ours = find(r, 'utf8', input, bytes, 'wsframe isValidUTF8');
  const decoder = find(r, 'utf8', input, bytes, 'TextDecoder fatal');
  return [r.name, input === 'mixed' ? 'non-ASCII (1–4-byte mix)' : 'ASCII', size(bytes), cell(ours), cell(decoder),
    cell(find(r, 'utf8', input, bytes, 'buffer.isUtf8')), cell(find(r, 'utf8', input, bytes, 'plain JS loop')), `${fixed(ours.gbps / decoder.gbps)}×`];
})));
const maskRows = report.runtimes.flatMap((r) => [1024, 65536].map((bytes) => {
  const ours = find(r, 'mask', 'random', bytes, 'wsframe mask');
  const js = find(r, 'mask', 'random', bytes, 'plain JS loop');
  return [r.name, size(bytes), cell(ours), cell(js), `${fixed(ours.gbps / js.gbps)}×`];
}));

const m = machine(); // at the end: the run's VM steal and the load when the results are written
report.machine = m;
const markdown = `# Runtimes benchmark

${machineLine(m)}${QUICK ? ' · **quick run**' : ''}

Every runtime runs the same workload (scripts/runtimes/bench/core.mjs) on the codec as that runtime loads it:
${report.runtimes.map((r) => `- **${r.name}**: ${r.runtime} — implementation \`${r.implementation}\``).join('\n')}

GB/s; wsframe's figures include copying the input into WASM memory. workerd is timed from outside per
request (its clock stands still while JavaScript runs), less the cost of an empty request. Each figure is the
best of 7 batches, the batches of all tasks interleaved, so a busy machine slows wsframe and its anchors alike.
TextDecoder fatal decodes as well as validates: it is what browsers and edge runtimes offer for validation.

## UTF-8 validation (GB/s)
${table(['runtime', 'input', 'size', 'wsframe', 'TextDecoder fatal', 'buffer.isUtf8', 'plain JS loop', 'wsframe vs TextDecoder'], utf8Rows)}

## Masking (GB/s)
${table(['runtime', 'size', 'wsframe mask', 'plain JS loop', 'ratio'], maskRows)}

## Targets (≥ ${GOAL}× TextDecoder fatal, non-ASCII, ≥ 4 KiB)
${table(['target', 'ratio', 'goal', ''], report.targets.map((t) => [t.name, `${fixed(t.ratio)}×`, `≥ ${t.goal}×`, t.pass ? 'PASS' : '**MISS**']))}
`;
saveResults('runtimes', report, markdown);
