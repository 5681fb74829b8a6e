import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./fixtures/ws-echo-probe.cjs', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

interface ProbeReport {
  resolved: string;
  calls: { mask: number; unmask: number };
  identical: boolean;
  results: { size: number; identical: boolean }[];
}

async function runProbe(preload: string[]): Promise<ProbeReport> {
  const { stdout } = await run(process.execPath, [...preload, probe], { cwd: root, maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as ProbeReport;
}

describe('wsframe/register makes the real ws package use wsframe', () => {
  for (const preload of [['-r', 'wsframe/register'], ['--import', 'wsframe/register']]) {
    it(`node ${preload.join(' ')}: ws masks and unmasks through wsframe, 0 B to 16 MiB byte-identical`, async () => {
      const report = await runProbe(preload);
      expect(report.resolved).toBe(`${root}build/cjs/bufferutil/index.js`);
      expect(report.results.map((r) => r.size)).toContain(16 << 20);
      expect(report.results).toHaveLength(18);
      expect(report.identical).toBe(true);
      // ws calls bufferutil for >= 48 B (mask) and >= 32 B (unmask): 12 sizes each way.
      expect(report.calls.mask).toBeGreaterThanOrEqual(12);
      expect(report.calls.unmask).toBeGreaterThanOrEqual(12);
    });
  }

  it('without the preload ws gets the native add-on (the probe can tell the difference)', async () => {
    const report = await runProbe([]);
    expect(report.resolved).toContain('node_modules/bufferutil/');
    expect(report.identical).toBe(true);
  });
});
