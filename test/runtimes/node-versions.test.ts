// The Node matrix: the Node subset of the suite (server, plugin, codec; see
// NODE_SUBSET in scripts/runtimes/test/node-versions.mjs) on Node 20, 22, 24
// and 26, real binaries from npm's node-<platform>-<arch> packages, installed
// on demand (the first run downloads about 230 MB). About 40 s of CPU per version.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/runtimes/test/node-versions.mjs', import.meta.url));
const MARK = '@@wsframe-node ';

interface NodeRun {
  version: string;
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  perFile: Record<string, number>;
  failures: string[];
  seconds: number;
  error?: string;
}

const runs = new Map<number, NodeRun>();

describe.each([20, 22, 24, 26])('Node %i', (major) => {
  it('passes the server, plugin and codec tests, with zero-copy reads active', () => {
    const run = spawnSync(process.execPath, [script, String(major)], { encoding: 'utf8', timeout: 1_200_000, maxBuffer: 64 << 20 });
    const output = `${run.stdout}${run.stderr}`;
    const line = output.split('\n').find((l) => l.startsWith(MARK));
    expect(line, output).toBeDefined();
    const result = JSON.parse(line!.slice(MARK.length)) as NodeRun;
    console.log(`node ${result.version}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped, ${result.seconds.toFixed(1)} s`);
    runs.set(major, result);
    expect(result.version).toMatch(new RegExp(`^v${major}\\.`));
    expect(result.failures, result.error).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.skipped).toBe(0);
    expect(result.ok, output.slice(-4000)).toBe(true);
    // The read path that depends on Node internals, and wsframe/register with the real ws.
    expect(result.perFile['test/server/reader.test.ts']).toBeGreaterThanOrEqual(6);
    expect(result.perFile['test/plugin/register.test.ts']).toBeGreaterThanOrEqual(4);
    expect(result.passed).toBeGreaterThan(500);
  }, 1_200_000);
});

it('every Node ran the same tests', () => {
  const counts = [...runs.values()].map((run) => run.passed);
  expect(counts).toHaveLength(4);
  expect(new Set(counts).size).toBe(1);
});
