// The main job: runs every benchmark in its own process, one after another (so
// they never compete for the two cores), then writes bench/results/summary.md
// and summary.svg from the targets each one recorded, and puts the summary
// table into README.md (between the bench:summary markers).
// Usage: npm run bench [-- name ...]   (names: mask utf8 codec echo runtimes)
//        npm run bench -- --summary-only   (summary and README from the results on disk)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fixed, machineLine, table } from './support/harness.mjs';

const ALL = ['mask', 'utf8', 'codec', 'echo', 'runtimes'];
const results = new URL('./results/', import.meta.url);
/** bench/NAME.bench.mjs; the cross-runtime benchmark lives with the other cross-runtime tooling. */
const script = (name) => (name === 'runtimes' ? new URL('../scripts/runtimes/bench/run.mjs', import.meta.url) : new URL(`${name}.bench.mjs`, import.meta.url));
const available = ALL.filter((name) => existsSync(script(name)));
const args = process.argv.slice(2);
const summaryOnly = args.includes('--summary-only');
const chosen = summaryOnly ? [] : args.length ? args : available;

for (const name of chosen) {
  if (!available.includes(name)) throw new Error(`no benchmark named ${name} (have: ${available.join(', ')})`);
  console.log(`\n=== ${name}`);
  const run = spawnSync(process.execPath, [script(name).pathname], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

const reports = available
  .filter((name) => existsSync(new URL(`${name}.json`, results)))
  .map((name) => ({ name, ...JSON.parse(readFileSync(new URL(`${name}.json`, results), 'utf8')) }));
const targets = reports.flatMap((r) => (r.targets ?? []).map((t) => ({ area: r.name, ...t })));

const summary = `${reports.map((r) => `- **${r.name}**: ${r.machine ? machineLine(r.machine) : 'machine not recorded'}${r.quick ? ' (quick run)' : ''}`).join('\n')}

${table(['area', 'target', 'ratio', 'goal', ''], targets.map((t) => [t.area, t.name, `${fixed(t.ratio)}×`, `≥ ${t.goal}×`, t.pass ? 'PASS' : '**MISS**']))}`;
writeFileSync(new URL('summary.md', results), `# Benchmark summary

Each ratio compares wsframe with an anchor measured in the same run on the same machine.

${summary}

![ratios against targets](summary.svg)
`);
const readme = new URL('../README.md', import.meta.url);
const start = '<!-- bench:summary:start -->';
const end = '<!-- bench:summary:end -->';
const text = readFileSync(readme, 'utf8');
if (text.includes(start) && text.includes(end)) {
  writeFileSync(readme, `${text.slice(0, text.indexOf(start) + start.length)}\n${summary}\n${text.slice(text.indexOf(end))}`);
}
writeFileSync(new URL('summary.svg', results), chart(targets));
console.log(`\n${targets.filter((t) => t.pass).length} of ${targets.length} targets met; wrote bench/results/summary.md and summary.svg`);

/** A horizontal bar chart of ratio ÷ goal on a log scale: bars past the line meet their target. */
function chart(rows) {
  const rowHeight = 18;
  const labels = rows.map((t) => `${t.area}: ${t.name}`);
  const left = 10 + 6 * Math.max(...labels.map((l) => l.length)); // about 6 px a character at 11 px
  const width = 420;
  const top = 30;
  const height = top + rows.length * rowHeight + 30;
  const scale = (v) => ((Math.log10(Math.max(v, 0.1)) + 1) / 3) * width; // 0.1× … 100× of goal
  const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = rows.map((t, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(1, scale(t.ratio / t.goal));
    return `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${escape(labels[i])}</text>` +
      `<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${t.pass ? '#2e7d32' : '#c62828'}"/>` +
      `<text x="${(left + w + 4).toFixed(1)}" y="${y + 13}">${fixed(t.ratio)}× (goal ${t.goal}×)</text>`;
  });
  const goal = left + scale(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 140}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="16" font-weight="bold">wsframe: ratio to anchor ÷ goal (log scale; past the line = target met)</text>
${bars.join('\n')}
<line x1="${goal}" y1="${top - 4}" x2="${goal}" y2="${height - 24}" stroke="black" stroke-dasharray="4 3"/>
<text x="${goal}" y="${height - 10}" text-anchor="middle">goal</text>
</svg>
`;
}
