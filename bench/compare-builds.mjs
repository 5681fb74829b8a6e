// A/B check for hot-path changes: the public codec API (FrameDecoder, FrameEncoder,
// mask, isValidUTF8) of two builds of wsframe, measured interleaved in one
// process, so load drift on a shared machine hits both alike. Each workload runs
// A, B, A, B, … for several rounds; the result is the median of the per-round
// ratios B ÷ A, with their spread. The workloads (support/compare-workloads.mjs)
// are loaded once per build, so neither build's type feedback reaches the other's.
//
// Usage: node bench/compare-builds.mjs DIR_A DIR_B [--label NAME] [--rounds N] [--only REGEX]
//   DIR_A, DIR_B: checkouts with a built `build/` (`npm run build`: codec/index.js; server/memory.js and index.js).
//   With --label, writes bench/results/NAME.json and NAME.md. --only keeps the workloads whose name matches
//   (measured in a fresh process, so other workloads' type feedback does not reach the ones kept).
// Not part of `npm run bench`: it compares two versions of wsframe, not wsframe
// with its anchors.
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixed, machine, machineLine, median, opsPerSecond, progress, saveResults, table } from './support/harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const [value] = args.splice(at, 2).slice(1);
  return value;
};
const label = option('--label');
const rounds = Number(option('--rounds', '5'));
const only = new RegExp(option('--only', ''));
const [dirA, dirB] = args;
if (!dirA || !dirB) throw new Error('usage: node bench/compare-builds.mjs DIR_A DIR_B [--label NAME] [--rounds N]');

const built = (dir, file) => import(pathToFileURL(resolve(dir, 'build/esm', file)).href);
// The codec's public API, the server's message view class (server/memory.ts) for the workloads that decode as the
// server does, and its WebSocket for the in-process echo.
const load = async (dir) => ({
  ...(await built(dir, 'codec/index.js')),
  BufferView: (await built(dir, 'server/memory.js')).BufferView,
  WebSocket: (await built(dir, 'server/index.js')).WebSocket,
});
const builds = { a: await load(dirA), b: await load(dirB) };

// One module instance per build: each build's workload functions get type feedback of their own.
const instances = {
  a: await import('./support/compare-workloads.mjs?build=a'),
  b: await import('./support/compare-workloads.mjs?build=b'),
};
const { workloads } = instances.a;

const chosen = workloads.filter((w) => only.test(w.name)).map((w) => ({ name: w.name, index: workloads.indexOf(w) }));
const loadBefore = os.loadavg()[0];
const tick = progress(chosen.length * rounds, 'compare-builds');
const rows = [];
for (const { name, index } of chosen) {
  const ratios = [];
  const ops = { a: [], b: [] };
  const fns = { a: instances.a.workloads[index].make(builds.a), b: instances.b.workloads[index].make(builds.b) };
  for (let round = 0; round < rounds; round++) {
    // Alternate which build goes first, so warm-up and drift do not favour one side.
    const order = round % 2 ? ['b', 'a'] : ['a', 'b'];
    for (const side of order) ops[side].push(await opsPerSecond(fns[side][0], { inner: fns[side][1], time: 250 }));
    ratios.push(ops.b.at(-1) / ops.a.at(-1));
    tick(`${name}: B ÷ A ${fixed(ratios.at(-1))}×`);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  rows.push({ name, a: median(ops.a), b: median(ops.b), ratio: median(ratios), low: sorted[0], high: sorted.at(-1) });
}
const results = { machine: machine(), load: [loadBefore, os.loadavg()[0]], a: resolve(dirA), b: resolve(dirB), rounds, rows };
const markdown = `# Build comparison: B ÷ A on the public codec API

- **A**: \`${dirA}\`, **B**: \`${dirB}\`
- ${machineLine(results.machine)} · load average ${results.load.map((l) => fixed(l, 1)).join(' → ')}
- ${rounds} rounds, A and B alternating; the ratio is the median of the per-round ratios, with the lowest and highest.
- Each build runs its own instance of the workload functions (no shared type feedback); mask and isValidUTF8 are timed in batches of 64 calls.

${table(['workload', 'A ops/s', 'B ops/s', 'B ÷ A', 'range'], rows.map((r) => [r.name, `${fixed(r.a / 1e6, 3)} M`, `${fixed(r.b / 1e6, 3)} M`, `${fixed(r.ratio)}×`, `${fixed(r.low)}–${fixed(r.high)}×`]))}
`;
console.log(`\n${markdown}`);
if (label) saveResults(label, results, markdown);
