// The main job: runs every benchmark in its own process, one after another (so
// they never compete for the two cores), then writes bench/results/summary.md
// (targets met or missed), summary.svg (echo: wsframe, ws and Bun side by
// side) and targets.svg, and puts a section for users into README.md (between
// the bench:summary markers).
// Usage: npm run bench [-- name ...]   (names: mask utf8 utf8-node22 utf8-node24 utf8-node26 codec echo runtimes node-mask deflate deflate-engines hostile fanout scale)
//        npm run bench -- --summary-only   (summary and README from the results on disk)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fixed, machineLine, table } from './support/harness.mjs';
import { echoChart, readmeSection, targetsChart } from './support/report.mjs';

const ALL = ['mask', 'utf8', 'utf8-node22', 'utf8-node24', 'utf8-node26', 'codec', 'echo', 'runtimes', 'node-mask', 'deflate', 'deflate-engines', 'hostile', 'fanout', 'scale'];
const results = new URL('./results/', import.meta.url);
/** utf8-node<N>: the UTF-8 benchmark on the pinned Node N binary (BENCH_NODE=N), where its in-WASM target is stated. */
const onNode = (name) => /^utf8-node(\d+)$/.exec(name)?.[1];
/** bench/NAME.bench.mjs; the cross-runtime benchmarks live with the other cross-runtime tooling. */
const crossRuntime = { runtimes: 'run.mjs', 'deflate-engines': 'deflate-engines.mjs' };
const script = (name) => (crossRuntime[name] ? new URL(`../scripts/runtimes/bench/${crossRuntime[name]}`, import.meta.url) : new URL(`${onNode(name) ? 'utf8' : name}.bench.mjs`, import.meta.url));
const available = ALL.filter((name) => existsSync(script(name)));
const args = process.argv.slice(2);
const summaryOnly = args.includes('--summary-only');
const chosen = summaryOnly ? [] : args.length ? args : available;

for (const name of chosen) {
  if (!available.includes(name)) throw new Error(`no benchmark named ${name} (have: ${available.join(', ')})`);
  console.log(`\n=== ${name}`);
  const env = onNode(name) ? { ...process.env, BENCH_NODE: onNode(name) } : process.env;
  const run = spawnSync(process.execPath, [script(name).pathname], { stdio: 'inherit', env });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

const reports = available
  .filter((name) => existsSync(new URL(`${name}.json`, results)))
  .map((name) => ({ name, ...JSON.parse(readFileSync(new URL(`${name}.json`, results), 'utf8')) }));
const targets = reports.flatMap((r) => (r.targets ?? []).map((t) => ({ area: r.name, ...t })));

/** Measured ceilings beside the targets (the floors: echo, codec), reported by the benchmarks as `notes`: not targets. */
const notes = reports.flatMap((r) => (r.notes ?? []).map((n) => `- **${r.name}**: ${n}`));
const machines = reports.map((r) => `- **${r.name}**: ${r.machine ? machineLine(r.machine) : 'machine not recorded'}${r.quick ? ' (quick run)' : ''}${r.load ? ` · ${typeof r.load === 'string' ? r.load : `load average ${r.load.map((l) => fixed(l, 1)).join(' → ')}`}` : ''}`).join('\n');
const chart = echoChart(reports.find((r) => r.name === 'echo'));
if (chart) writeFileSync(new URL('summary.svg', results), chart);
writeFileSync(new URL('targets.svg', results), targetsChart(targets));
writeFileSync(new URL('summary.md', results), `# Benchmark summary

Each ratio compares wsframe with an anchor measured in the same run on the same machine (these machines are shared:
compare ratios, not absolute figures). The issues' targets, met or missed:

${machines}

${table(['area', 'target', 'ratio', 'goal', ''], targets.map((t) => [t.area, t.name, `${fixed(t.ratio)}×`, `${t.atMost ? '≤' : '≥'} ${t.goal}×`, `${t.pass ? 'PASS' : '**MISS**'}${t.note ? ` (${t.note})` : ''}`]))}

![ratios against targets](targets.svg)
${notes.length ? `
## Floors (measured beside the targets; not targets)

What no implementation of the kind can beat on this machine, measured in the same run as the anchors: where a floor is
below a target's anchor, the target is out of reach for that kind of implementation.

${notes.join('\n')}
` : ''}
${chart ? '![echo: wsframe, ws and Bun side by side](summary.svg)\n' : ''}`);

// The README's section speaks to users: figures and ratios, no target lists.
const readme = new URL('../README.md', import.meta.url);
const start = '<!-- bench:summary:start -->';
const end = '<!-- bench:summary:end -->';
const text = readFileSync(readme, 'utf8');
if (text.includes(start) && text.includes(end)) {
  writeFileSync(readme, `${text.slice(0, text.indexOf(start) + start.length)}\n${readmeSection(reports)}\n${text.slice(text.indexOf(end))}`);
}
console.log(`\n${targets.filter((t) => t.pass).length} of ${targets.length} targets met; wrote bench/results/summary.md, summary.svg, targets.svg and the README section`);
