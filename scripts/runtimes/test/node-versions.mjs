// npm run test:node [-- 22 26]: the Node subset of the suite (NODE_SUBSET) on
// each Node of the matrix (scripts/runtimes/node.mjs: npm's node-<platform>-<arch>
// packages, installed on demand), one version after another, each in its own
// vitest run started with that Node (so its test workers run on it too).
// Prints one line per version, one `@@wsframe-node {json}` line per version for
// test/runtimes/node-versions.test.ts, and a summary; exits 1 if any failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_VERSIONS, nodeBinary } from '../node.mjs';
import { root } from '../tools.mjs';

/**
 * What runs on every Node: the server (including the zero-copy read path,
 * test/server/reader.test.ts), the ws plugin, and the codec without its two
 * randomized differential runs against ws's Receiver (frame-decoder-vs-ws.*),
 * which take most of the codec's time and exercise the same code paths as
 * frame-decoder.test.ts. The kernels' tests (WASM against its JS twin) and the
 * package/CLI tests run on the machine's Node in the main suite.
 */
export const NODE_SUBSET = ['test/server', 'test/plugin', 'test/codec'];
const NODE_SUBSET_EXCLUDE = ['test/codec/frame-decoder-vs-ws.*'];
export const MARK = '@@wsframe-node ';

/** Runs the subset on Node `major`; returns its counts from vitest's JSON report. */
export function runOn(major) {
  const node = nodeBinary(major);
  const scratch = mkdtempSync(join(tmpdir(), 'wsframe-node-'));
  const report = join(scratch, 'report.json');
  // A vitest inside vitest (npm test) must not take the outer run's worker identity.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
  const started = Date.now();
  try {
    const args = [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...NODE_SUBSET, ...NODE_SUBSET_EXCLUDE.flatMap((glob) => ['--exclude', glob]), '--reporter=json', `--outputFile=${report}`];
    const run = spawnSync(node, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 900_000 });
    const seconds = (Date.now() - started) / 1000;
    let json;
    try {
      json = JSON.parse(readFileSync(report, 'utf8'));
    } catch {
      return { major, version: NODE_VERSIONS[major], ok: false, seconds, error: `no report (exit ${run.status}):\n${run.stdout.slice(-3000)}${run.stderr.slice(-3000)}` };
    }
    const tests = json.testResults.flatMap((file) => file.assertionResults.map((test) => ({ file: file.name.slice(root.length), name: test.fullName, status: test.status })));
    const count = (status) => tests.filter((test) => test.status === status).length;
    const version = spawnSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
    const failures = tests.filter((test) => test.status === 'failed').map((test) => `${test.file} > ${test.name}`);
    const result = {
      major,
      version,
      files: json.testResults.length,
      passed: count('passed'),
      failed: count('failed'),
      skipped: tests.length - count('passed') - count('failed'),
      perFile: Object.fromEntries(json.testResults.map((file) => [file.name.slice(root.length), file.assertionResults.filter((test) => test.status === 'passed').length])),
      failures,
      seconds,
      exitCode: run.status,
    };
    return { ...result, ok: run.status === 0 && result.failed === 0 && result.skipped === 0 && result.passed > 0 };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const majors = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(NODE_VERSIONS);
  const results = majors.map((major) => {
    const result = runOn(major);
    console.log(`node ${result.version}: ${result.ok ? 'ok' : 'FAILED'}, ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped, ${result.files} files, ${result.seconds.toFixed(1)} s`);
    for (const failure of result.failures ?? []) console.log(`  failed: ${failure}`);
    if (result.error) console.log(result.error);
    console.log(`${MARK}${JSON.stringify(result)}`);
    return result;
  });
  const failed = results.filter((result) => !result.ok).length;
  console.log(`node versions: ${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
