/**
 * The README's echo latency table (bench/support/report.mjs) reads both the results written before the fixed-rate
 * runs were repeated (one run per cell: p50 / p99 only) and those after (medians over the runs, the p99's range, the
 * runs off the offered rate), so `node bench/run.mjs --summary-only` works on either.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { latencyCell, readmeSection, type LatencyRow } from '../../bench/support/report.mjs';

const committed = JSON.parse(readFileSync(new URL('../../bench/results/echo.json', import.meta.url), 'utf8')) as { latency: LatencyRow[] };

/** The committed echo results with their latency rows reduced to the one-run format, or given the repeated-runs fields. */
function echoWith(latency: (row: LatencyRow) => LatencyRow) {
  const strip = ({ runs: _runs, p50Range: _p50, p99Range: _p99, offRate: _offRate, ...row }: LatencyRow): LatencyRow => row;
  return { name: 'echo', ...committed, latency: committed.latency.map((row) => latency(strip(row))) };
}

describe('latencyCell', () => {
  test('one run: p50 / p99', () => {
    expect(latencyCell({ server: 'wsframe', size: 16, offered: 1e4, p50ms: 0.95241, p99ms: 2.0679 })).toBe('0.952 / 2.068');
  });

  test('several runs: the medians, the p99 range in brackets, and the runs off the rate', () => {
    const row = { server: 'wsframe', size: 65536, offered: 7500, p50ms: 1.5, p99ms: 12.25, runs: 3, p99Range: [4.7, 252] as [number, number] };
    expect(latencyCell(row)).toBe('1.500 / 12.250 (4.700–252)');
    expect(latencyCell({ ...row, offRate: 1 })).toBe('1.500 / 12.250 (4.700–252) · 1 off the rate');
  });

  test('a single run has no range even where one is recorded', () => {
    expect(latencyCell({ server: 'ws', size: 16, offered: 1e4, p50ms: 1, p99ms: 2, runs: 1, p99Range: [2, 2] })).toBe('1.000 / 2.000');
  });
});

describe('readmeSection', () => {
  test('results with one run per cell: p50 / p99, no claim of medians', () => {
    const section = readmeSection([echoWith((row) => row)]);
    expect(section).toContain('p50 / p99 in ms:');
    expect(section).not.toContain('medians of');
    const first = committed.latency[0]!;
    expect(section).toContain(`${first.p50ms.toFixed(3)} / `);
  });

  test('results with repeated runs: medians, ranges, and what "off the rate" means when a run was', () => {
    const section = readmeSection([echoWith((row) => ({ ...row, runs: 3, p99Range: [row.p99ms / 2, row.p99ms * 2], offRate: row.size === 65536 ? 1 : 0 }))]);
    expect(section).toContain('medians of 3 runs each');
    expect(section).toContain('· 1 off the rate');
    expect(section).toContain('"N off the rate"');
    const withoutBehind = readmeSection([echoWith((row) => ({ ...row, runs: 3, p99Range: [row.p99ms, row.p99ms], offRate: 0 }))]);
    expect(withoutBehind).not.toContain('off the rate');
  });
});
