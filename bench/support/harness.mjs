// Shared benchmark plumbing: timing with tinybench, machine facts, result files.
// Every figure is reported next to anchors measured in the same run, because
// these machines are shared and noisy: compare ratios, not absolute numbers.
import { writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import os from 'node:os';
import { Bench } from 'tinybench';
import { cpuBetween, readCpuStat } from './cpu-stat.mjs';

/** /proc/stat when this module loaded (the bench process's start): `machine()` gives the VM's steal since then. */
const STARTED = readCpuStat();

/** Quick mode (BENCH_QUICK=1) for smoke runs; committed results use the default. */
export const QUICK = process.env.BENCH_QUICK === '1';

/**
 * Times `fn`, which performs `inner` operations per call (batching keeps timer
 * overhead out of nanosecond-scale operations). Returns operations per second.
 * tinybench also runs at least `iterations` calls (after `warmupIterations`):
 * lower them for calls of tens of ms that should take about `time` ms in all.
 */
export async function opsPerSecond(fn, { inner = 1, time = QUICK ? 60 : 400, iterations = 64, warmupIterations = 16 } = {}) {
  const bench = new Bench({ time, warmupTime: QUICK ? 20 : 100, iterations, warmupIterations });
  bench.add('task', fn);
  await bench.run();
  const { result } = bench.tasks[0];
  if (result.state !== 'completed') throw result.error ?? new Error(`benchmark ${result.state}`);
  return (inner * 1000) / result.latency.p50;
}

const Benchmark = createRequire(import.meta.url)('benchmark');

/**
 * Benchmark.js's sample of `fn` (synchronous; `inner` operations per call):
 * what its significance test needs. Returns operations per second, the
 * relative margin of error (%, 95%) and the sample (seconds per call).
 */
export function sample(fn, { inner = 1, maxTime = QUICK ? 0.3 : 1.5 } = {}) {
  const bench = new Benchmark(fn, { maxTime, minSamples: 20 });
  bench.run();
  if (bench.error) throw bench.error;
  return { hz: bench.hz * inner, rme: bench.stats.rme, sample: bench.stats.sample };
}

/**
 * Benchmark.js's verdict on samples `a` against `b` (from `sample`, possibly
 * taken in another process): "faster", "slower" or "indistinguishable" by its
 * Mann–Whitney U test at 95%, with each side's margin of error.
 */
export function verdict(a, b) {
  const c = Benchmark.prototype.compare.call({ stats: a }, { stats: b });
  return { verdict: c > 0 ? 'faster' : c < 0 ? 'slower' : 'indistinguishable', ratio: a.hz / b.hz, rme: a.rme, anchorRme: b.rme };
}

/** A verdict as a table cell: "faster (1.23× ± 1.1% / ± 0.8%)". */
export function verdictCell(v) {
  return `${v.verdict} (${fixed(v.ratio)}×, ±${fixed(v.rme, 1)}% vs ±${fixed(v.anchorRme, 1)}%)`;
}

/**
 * Facts to print beside every result: the figures mean nothing without them. Call it when the results are
 * written: `loadAverage` is then's, and `vmSteal` the time the VM's host took from it over the run so far
 * (cores, share of the cores, over `seconds` since the bench started; null where /proc/stat cannot be read).
 */
export function machine() {
  const cpus = os.cpus();
  const steal = cpuBetween(STARTED, readCpuStat());
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
    loadAverage: os.loadavg()[0],
    vmSteal: steal && { cores: steal.stealCores, share: steal.stealShare, seconds: steal.seconds },
  };
}

/** The machine facts of `machine()` as one line (results from before `vmSteal` was recorded have none). */
export function machineLine(m) {
  const load = m.loadAverage === undefined ? '' : ` · load average ${m.loadAverage.toFixed(1)} when the results were written`;
  const steal = m.vmSteal ? ` · VM steal ${m.vmSteal.cores.toFixed(2)} cores (${(m.vmSteal.share * 100).toFixed(1)} % of the cores, taken by the host) over the run's ${m.vmSteal.seconds.toFixed(0)} s` : '';
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} (V8 ${m.v8}) · ${m.platform} · ${m.date.slice(0, 16)}Z${load}${steal}`;
}

/**
 * A progress printer for long runs: `step(message)` prints `[i/total] message`
 * with the elapsed time and an estimate of what is left.
 */
export function progress(total, label) {
  const start = performance.now();
  let done = 0;
  return (message) => {
    done++;
    const elapsed = (performance.now() - start) / 1000;
    const left = (elapsed / done) * (total - done);
    console.log(`[${label} ${done}/${total} · ${elapsed.toFixed(0)} s, ~${left.toFixed(0)} s left] ${message}`);
  };
}

/** Formats a size in bytes as 16 B / 1 KiB / 16 MiB. */
export function size(bytes) {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1024) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** The median of a list of numbers (the mean of the two middle ones for an even count); the list is not changed. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function fixed(value, digits = 2) {
  return value >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

/** A Markdown table from a header row and rows of cells. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Writes bench/results/NAME.json and NAME.md. */
export function saveResults(name, json, markdown) {
  const dir = new URL('../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(new URL(`${name}.md`, dir), `${markdown.trim()}\n`);
  console.log(`wrote bench/results/${name}.json and ${name}.md`);
}

/**
 * Loads one of ws's internal modules (ws/lib/NAME.js), which its `exports` map
 * hides. `env` is applied while it loads: ws picks its helpers at load time.
 */
export function wsInternal(name, env = {}) {
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('ws')), 'lib', `${name}.js`);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return require(file);
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key]; else process.env[key] = saved[key];
  }
}
