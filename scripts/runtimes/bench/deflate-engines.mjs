// permessage-deflate engines in Node, Deno, Bun and Chromium (workerd runs
// Chromium's V8 and has no usable clock inside a request): messages per second
// compressed and inflated, 1 KiB and 16 KiB JSON-like messages, for wsframe's
// node:zlib and pako engines, fflate, and the runtime's own (async)
// CompressionStream, the anchor measured in the same run (docs/codec.md,
// "permessage-deflate", says which engine each runtime uses and why).
// Run: npm run bench:deflate-engines (BENCH_QUICK=1 to smoke). Prints a table; writes nothing.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as deflate from 'wsframe/deflate';
import { launchChromium, inPage } from '../browser.mjs';
import { bundle } from '../bundle.mjs';
import { binary } from '../tools.mjs';
import { measureAll } from './deflate-core.mjs';

const exec = promisify(execFile);
const QUICK = process.env.BENCH_QUICK === '1';
const BUDGET_MS = QUICK ? 30 : 500;

function parse(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('@@wsframe-bench '));
  if (!line) throw new Error(`no result line:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('@@wsframe-bench '.length));
}

async function cli(command) {
  const dir = await bundle({ name: 'deflate-bench-cli', entry: 'scripts/runtimes/bench/deflate-cli.mjs', target: 'cli' });
  const { stdout } = await exec(command[0], [...command.slice(1), join(dir, 'deflate-cli.mjs'), String(BUDGET_MS)], { maxBuffer: 16 << 20, timeout: 600_000 });
  return parse(stdout);
}

async function chromium() {
  const browser = await launchChromium();
  try {
    const dir = await bundle({ name: 'deflate-bench-browser', entry: 'scripts/runtimes/bench/deflate-browser.mjs', target: 'browser' });
    return await inPage(browser, join(dir, 'deflate-browser.js'), undefined, (page) => page.evaluate((budget) => globalThis.wsframeDeflateBench.run(budget), BUDGET_MS));
  } finally {
    await browser.close();
  }
}

const k = (rate) => `${(rate / 1000).toFixed(1)} k`;
const runs = [
  ['Node', async () => ({ runtime: `Node ${process.version}`, rows: await measureAll(deflate, () => performance.now(), { budgetMs: BUDGET_MS }) })],
  ['Deno', () => cli([binary('deno'), 'run', '-A'])],
  ['Bun', () => cli([binary('bun')])],
  ['Chromium', chromium],
];
const { loadavg } = await import('node:os');
console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
let failed = false;
for (const [name, run] of runs) {
  let result;
  try {
    result = await run();
  } catch (error) {
    failed = true;
    console.log(`\n${name}: did not run: ${error}`);
    continue;
  }
  console.log(`\n### ${result.runtime}\n`);
  console.log('| engine | mode (level) | size | compressed | compress msgs/s | inflate msgs/s | compress / CompressionStream | inflate / DecompressionStream |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of result.rows) {
    const anchor = result.rows.find((r) => r.size === row.size && r.name.startsWith('CompressionStream'));
    const ratio = (a, b) => (anchor ? `${(a / b).toFixed(2)}×` : '–');
    console.log(`| ${row.name} | ${row.mode} (${row.level}) | ${row.size / 1024} KiB | ${row.bytes} B | ${k(row.compress)} | ${k(row.inflate)} | ${ratio(row.compress, anchor?.compress)} | ${ratio(row.inflate, anchor?.inflate)} |`);
  }
}
console.log(`\nload average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.exitCode = failed ? 1 : 0;
