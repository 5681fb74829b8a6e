// A/B check for hot-path changes: the public codec API (FrameDecoder, FrameEncoder,
// mask, isValidUTF8) of two builds of wsframe, measured interleaved in one
// process, so load drift on a shared machine hits both alike. Each workload runs
// A, B, A, B, … for several rounds; the result is the median of the per-round
// ratios B ÷ A, with their spread.
//
// Usage: node bench/compare-builds.mjs DIR_A DIR_B [--label NAME] [--rounds N] [--only REGEX]
//   DIR_A, DIR_B: checkouts with a built `build/esm/codec/index.js` (npm ci did it).
//   With --label, writes bench/results/NAME.json and NAME.md. --only keeps the workloads whose name matches
//   (measured in a fresh process, so other workloads' type feedback does not reach the ones kept).
// Not part of `npm run bench`: it compares two versions of wsframe, not wsframe
// with its anchors.
import { createRequire } from 'node:module';
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixed, machine, machineLine, opsPerSecond, progress, saveResults, size, table } from './support/harness.mjs';
import { payload } from './support/payloads.mjs';

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

const load = (dir) => import(pathToFileURL(resolve(dir, 'build/esm/codec/index.js')).href);
const builds = { a: await load(dirA), b: await load(dirB) };
const { Sender } = createRequire(import.meta.url)('ws');

/** Masked frames of `count` messages (as a server reads them), split into 64 KiB chunks. */
function stream(kind, bytes) {
  const count = Math.max(2, Math.floor((bytes >= 16384 ? 8 << 20 : 1 << 20) / bytes));
  const frames = [];
  for (let i = 0; i < count; i++) {
    frames.push(...Sender.frame(payload(kind, bytes), { fin: true, opcode: kind === 'binary' ? 2 : 1, mask: true, readOnly: true, rsv1: false }));
  }
  const all = Buffer.concat(frames);
  const chunks = [];
  for (let at = 0; at < all.length; at += 65536) chunks.push(all.subarray(at, at + 65536));
  return { count, chunks };
}

/** Each workload: a name and, per build, a function returning [fn, inner] to time. */
const workloads = [];
for (const [kind, bytes] of [['binary', 16], ['ascii', 16], ['ascii', 1024], ['mixed', 16384], ['binary', 16384]]) {
  const { count, chunks } = stream(kind, bytes);
  workloads.push({
    name: `decode ${size(bytes)} ${kind} (server role, owned delivery)`,
    make: (codec) => {
      let received = 0;
      const decoder = new codec.FrameDecoder({ role: 'server', maxPayload: 0, onMessage: () => { received++; }, onError: (e) => { throw e; } });
      return [() => {
        for (const chunk of chunks) decoder.push(chunk);
        if (received === 0) throw new Error('decoded nothing');
      }, count];
    },
  });
}
for (const role of ['server', 'client']) {
  for (const [kind, bytes] of [['binary', 16], ['ascii', 16], ['binary', 1024], ['ascii', 1024], ['binary', 16384]]) {
    const data = kind === 'ascii' ? payload('ascii', bytes).toString() : payload('binary', bytes);
    const n = bytes > 1024 ? 16 : 1024;
    workloads.push({
      name: `encode ${size(bytes)} ${kind} (${role} role${role === 'client' ? ', masked' : ''})`,
      make: (codec) => {
        const encoder = new codec.FrameEncoder({ role });
        const add = kind === 'ascii' ? () => encoder.text(data) : () => encoder.binary(data);
        return [() => {
          for (let i = 0; i < n; i++) add();
          encoder.flush();
        }, n];
      },
    });
  }
}
for (const bytes of [64, 1024, 16384]) {
  const data = payload('binary', bytes);
  const key = Buffer.from([1, 2, 3, 4]);
  const out = Buffer.alloc(bytes);
  workloads.push({ name: `mask ${size(bytes)} (copy)`, make: (codec) => [() => codec.mask(data, key, out, 0, bytes), 1] });
}
for (const [kind, bytes] of [['ascii', 1024], ['ascii', 16384], ['mixed', 16384]]) {
  const data = payload(kind, bytes);
  workloads.push({ name: `isValidUTF8 ${size(bytes)} ${kind}`, make: (codec) => [() => { if (!codec.isValidUTF8(data)) throw new Error('invalid'); }, 1] });
}

const chosen = workloads.filter((w) => only.test(w.name));
const loadBefore = os.loadavg()[0];
const tick = progress(chosen.length * rounds, 'compare-builds');
const rows = [];
for (const { name, make } of chosen) {
  const ratios = [];
  const ops = { a: [], b: [] };
  const fns = { a: make(builds.a), b: make(builds.b) };
  for (let round = 0; round < rounds; round++) {
    // Alternate which build goes first, so warm-up and drift do not favour one side.
    const order = round % 2 ? ['b', 'a'] : ['a', 'b'];
    for (const side of order) ops[side].push(await opsPerSecond(fns[side][0], { inner: fns[side][1], time: 250 }));
    ratios.push(ops.b.at(-1) / ops.a.at(-1));
    tick(`${name}: B ÷ A ${fixed(ratios.at(-1))}×`);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  const median = (list) => [...list].sort((x, y) => x - y)[list.length >> 1];
  rows.push({ name, a: median(ops.a), b: median(ops.b), ratio: median(ratios), low: sorted[0], high: sorted.at(-1) });
}
const results = { machine: machine(), load: [loadBefore, os.loadavg()[0]], a: resolve(dirA), b: resolve(dirB), rounds, rows };
const markdown = `# Build comparison: B ÷ A on the public codec API

- **A**: \`${dirA}\`, **B**: \`${dirB}\`
- ${machineLine(results.machine)} · load average ${results.load.map((l) => fixed(l, 1)).join(' → ')}
- ${rounds} rounds, A and B alternating; the ratio is the median of the per-round ratios, with the lowest and highest.

${table(['workload', 'A ops/s', 'B ops/s', 'B ÷ A', 'range'], rows.map((r) => [r.name, `${fixed(r.a / 1e6, 3)} M`, `${fixed(r.b / 1e6, 3)} M`, `${fixed(r.ratio)}×`, `${fixed(r.low)}–${fixed(r.high)}×`]))}
`;
console.log(`\n${markdown}`);
if (label) saveResults(label, results, markdown);
