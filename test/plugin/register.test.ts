/**
 * `wsframe/register` with the real ws package. Runs on every Node of the
 * matrix (test/runtimes/node-versions.test.ts). Node 26 has its own masking
 * (`http.websocketMask`), which ws prefers to bufferutil; there register leaves
 * ws on Node's functions (faster at ws's sizes: bench/results/node-mask.md) and
 * only ws releases that predate them (simulated by hiding them) call wsframe.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./fixtures/ws-echo-probe.cjs', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const nodeHasMask = typeof (http as { websocketMask?: unknown }).websocketMask === 'function';

interface ProbeReport {
  resolved: string;
  nodeMask: boolean;
  calls: { mask: number; unmask: number; nodeMask: number; nodeUnmask: number };
  identical: boolean;
  results: { size: number; identical: boolean }[];
}

async function runProbe(preload: string[], env: Record<string, string> = {}): Promise<ProbeReport> {
  const { stdout } = await run(process.execPath, [...preload, probe], { cwd: root, maxBuffer: 1 << 20, env: { ...process.env, ...env } });
  return JSON.parse(stdout) as ProbeReport;
}

/** All 18 sizes, 0 B to 16 MiB, echoed byte-identical. */
function expectEchoed(report: ProbeReport): void {
  expect(report.results.map((r) => r.size)).toContain(16 << 20);
  expect(report.results).toHaveLength(18);
  expect(report.identical).toBe(true);
}

/** ws called wsframe's bufferutil, for >= 48 B (mask) and >= 32 B (unmask): 12 sizes each way. */
function expectWsframeMasked(report: ProbeReport): void {
  expect(report.calls.mask).toBeGreaterThanOrEqual(12);
  expect(report.calls.unmask).toBeGreaterThanOrEqual(12);
  expect(report.calls.nodeMask + report.calls.nodeUnmask).toBe(0);
}

describe('wsframe/register makes the real ws package use wsframe', () => {
  for (const preload of [['-r', 'wsframe/register'], ['--import', 'wsframe/register']]) {
    it(`node ${preload.join(' ')}: ${nodeHasMask ? "ws masks with Node's http.websocketMask, never wsframe" : 'ws masks and unmasks through wsframe'}, 0 B to 16 MiB byte-identical`, async () => {
      const report = await runProbe(preload);
      expect(report.resolved).toBe(`${root}build/cjs/bufferutil/index.js`);
      expect(report.nodeMask).toBe(nodeHasMask);
      expectEchoed(report);
      if (nodeHasMask) {
        // ws calls Node's functions from 24 B: 16 of the sizes each way; wsframe is left alone.
        expect(report.calls.nodeMask).toBeGreaterThanOrEqual(16);
        expect(report.calls.nodeUnmask).toBeGreaterThanOrEqual(16);
        expect(report.calls.mask + report.calls.unmask).toBe(0);
      } else {
        expectWsframeMasked(report);
      }
    });
  }

  it("where ws does not use Node's masking (releases before it; hidden here), ws masks through wsframe on this Node too", async () => {
    const report = await runProbe(['-r', 'wsframe/register'], { WSFRAME_PROBE_HIDE_NODE_MASK: '1' });
    expect(report.resolved).toBe(`${root}build/cjs/bufferutil/index.js`);
    expect(report.nodeMask).toBe(false);
    expectEchoed(report);
    expectWsframeMasked(report);
  });

  it('without the preload ws gets the native add-on (the probe can tell the difference)', async () => {
    const report = await runProbe([]);
    expect(report.resolved).toContain('node_modules/bufferutil/');
    expect(report.identical).toBe(true);
  });
});
