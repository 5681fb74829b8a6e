// Node's own masking (`http.websocketMask`/`websocketUnmask`, Node 26+, which
// ws 8 calls instead of bufferutil from 24 B) against wsframe's bufferutil API,
// at the sizes ws calls it with. It decides what `wsframe/register` does there:
// leave ws on Node's functions, or replace them. The native bufferutil add-on is
// measured beside them for reference. Run: npm run bench -- node-mask
// (on a Node without websocketMask it re-runs itself on the pinned Node 26 binary).
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { QUICK, fixed, machine, machineLine, opsPerSecond, saveResults, size, table } from './support/harness.mjs';

if (typeof http.websocketMask !== 'function') {
  const { nodeBinary } = await import('../scripts/runtimes/node.mjs');
  const run = spawnSync(nodeBinary(26), [fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const { mask, unmask } = await import('../build/esm/codec/index.js');
const native = createRequire(import.meta.url)('bufferutil');
const { websocketMask, websocketUnmask } = http;

const SIZES = [24, 48, 64, 256, 1024, 16384, 65536, 1 << 20, 16 << 20];
const key = randomBytes(4);
const batch = (bytes) => Math.max(1, Math.min(4096, Math.floor((256 * 1024) / bytes)));

async function measure(bytes) {
  const source = randomBytes(bytes);
  const output = Buffer.alloc(bytes);
  const n = batch(bytes);
  const rate = (fn) => opsPerSecond(() => { for (let i = 0; i < n; i++) fn(); }, { inner: n });
  return {
    mask: {
      node: await rate(() => websocketMask(source, key, output, 0, bytes)),
      wsframe: await rate(() => mask(source, key, output, 0, bytes)),
      bufferutil: await rate(() => native.mask(source, key, output, 0, bytes)),
    },
    unmask: {
      node: await rate(() => websocketUnmask(source, key)),
      wsframe: await rate(() => unmask(source, key)),
      bufferutil: await rate(() => native.unmask(source, key)),
    },
  };
}

const gbps = (ops, bytes) => (ops * bytes) / 1e9;
const results = { quick: QUICK, sizes: [] };
for (const bytes of SIZES) {
  const row = { bytes, ...(await measure(bytes)) };
  results.sizes.push(row);
  console.log(`${size(bytes)}: mask wsframe ÷ Node ${fixed(row.mask.wsframe / row.mask.node)}×, unmask ${fixed(row.unmask.wsframe / row.unmask.node)}×`);
}

const rows = (op) => results.sizes.map((r) => {
  const x = r[op];
  return [size(r.bytes), fixed(gbps(x.node, r.bytes)), fixed(gbps(x.wsframe, r.bytes)), fixed(gbps(x.bufferutil, r.bytes)),
    `${fixed(x.wsframe / x.node)}×`, `${fixed(x.bufferutil / x.node)}×`];
});
const header = ['size', "Node's GB/s", 'wsframe GB/s', 'native bufferutil GB/s', 'wsframe ÷ Node', 'bufferutil ÷ Node'];
const m = machine(); // at the end: the run's VM steal and the load when the results are written
results.machine = m;
const markdown = `# Node's websocketMask against wsframe (what wsframe/register does on Node 26)

${machineLine(m)}${QUICK ? ' · **quick run**' : ''}

ws 8 masks with \`http.websocketMask\`/\`websocketUnmask\` where Node has them (Node 26), from 24 B, and never
loads \`bufferutil\` there. wsframe's figures include the copies into WASM memory and back that bufferutil's API
forces. Ratios are from this run; a ratio below 1× means Node's own function is faster.
On a busy machine single figures can be off; the pattern across sizes is what the decision rests on.

Decision: wsframe/register leaves ws on Node's functions there. Up to 256 B the two are even within this
machine's noise (wsframe ÷ Node 0.54–1.58× over three runs on 2026-12-01: wsframe's JavaScript loop against a
native call); from 1 KiB Node's is ahead (wsframe 0.48–1.10×), and from 16 KiB clearly (0.38–0.65×; 0.04–0.05×
at 16 MiB in every run), because bufferutil's API makes wsframe copy every payload into WebAssembly memory and
back. Replacing a function of \`node:http\` would be intrusive for a loss where payloads take the time. (wsframe's
16 MiB figure on Node 26, 20× below its 1 MiB one, is not explained yet.)

## mask(source, key, output, 0, length)
${table(header, rows('mask'))}

## unmask(buffer, key)
${table(header, rows('unmask'))}
`;
saveResults('node-mask', results, markdown);
