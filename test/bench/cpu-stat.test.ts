/**
 * The benchmarks' reader of /proc/stat (bench/support/cpu-stat.mjs): busy and steal seconds from the aggregate
 * `cpu` line and each core's, the steal of a window as cores and as a share of the machine, and null (never a
 * throw) where /proc/stat is missing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DISTURBED_STEAL, USER_HZ, cpuBetween, parseProcStat, readCpuStat, stealCell, type CpuStat } from '../../bench/support/cpu-stat.mjs';

/** /proc/stat's text for per-core fields (user nice system idle iowait irq softirq steal guest guest_nice, ticks). */
function procStat(cores: number[][]): string {
  const total = cores[0]!.map((_, i) => cores.reduce((sum, core) => sum + core[i]!, 0));
  return [`cpu  ${total.join(' ')}`, ...cores.map((core, i) => `cpu${i} ${core.join(' ')}`),
    'intr 44131232 0 0 0', 'ctxt 79722758', 'btime 1764660000', 'processes 51234', 'procs_running 2', 'procs_blocked 0', ''].join('\n');
}

/** Random tick counts for `n` cores. */
function randomCores(n: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: 10 }, () => Math.floor(Math.random() * 1e7)));
}

describe('parseProcStat', () => {
  test('busy is user + nice + system + irq + softirq, steal the 8th value, in seconds, for the total and each core', () => {
    for (let trial = 0; trial < 50; trial++) {
      const cores = randomCores(1 + Math.floor(Math.random() * 8));
      const parsed = parseProcStat(procStat(cores))!;
      const busy = (t: number[]) => (t[0]! + t[1]! + t[2]! + t[5]! + t[6]!) / USER_HZ;
      expect(parsed.cores).toHaveLength(cores.length);
      cores.forEach((core, i) => {
        expect(parsed.cores[i]!.busy).toBeCloseTo(busy(core), 6);
        expect(parsed.cores[i]!.steal).toBeCloseTo(core[7]! / USER_HZ, 6);
      });
      expect(parsed.busy).toBeCloseTo(cores.reduce((sum, core) => sum + busy(core), 0), 6);
      expect(parsed.steal).toBeCloseTo(cores.reduce((sum, core) => sum + core[7]!, 0) / USER_HZ, 6);
    }
  });

  test("this VM's /proc/stat as it was read on 2026-12-02", () => {
    const text = 'cpu  1968011 17203 407713 1658803 3083 0 113865 98142 0 0\n' +
      'cpu0 975986 8244 204094 832310 686 0 72547 43598 0 0\ncpu1 992025 8959 203619 826493 2397 0 41318 54544 0 0\nintr 44131232 0 0\n';
    expect(parseProcStat(text)).toEqual({
      busy: expect.closeTo(25067.92, 6), steal: expect.closeTo(981.42, 6),
      cores: [{ busy: expect.closeTo(12608.71, 6), steal: expect.closeTo(435.98, 6) }, { busy: expect.closeTo(12459.21, 6), steal: expect.closeTo(545.44, 6) }],
    });
  });

  test('a kernel without the steal field counts it as 0; text without a cpu line is null', () => {
    expect(parseProcStat('cpu  100 0 50 900 0 0 0\ncpu0 100 0 50 900 0 0 0\n')).toEqual({ busy: 1.5, steal: 0, cores: [{ busy: 1.5, steal: 0 }] });
    expect(parseProcStat('intr 1 2 3\nctxt 4\n')).toBeNull();
    expect(parseProcStat('')).toBeNull();
  });
});

describe('readCpuStat and cpuBetween', () => {
  test('a missing /proc/stat (another OS) reads null, and a window with a null end is null', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'cpu-stat-')), 'no-such-stat');
    expect(readCpuStat(missing)).toBeNull();
    const reading = { busy: 1, steal: 0, cores: [], at: 0 };
    expect(cpuBetween(null, reading)).toBeNull();
    expect(cpuBetween(reading, null)).toBeNull();
  });

  test('a file is read with the time of the reading', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cpu-stat-')), 'stat');
    const cores = randomCores(2);
    writeFileSync(file, procStat(cores));
    const before = performance.now();
    const reading = readCpuStat(file)!;
    expect(reading).toMatchObject(parseProcStat(procStat(cores))!);
    expect(reading.at).toBeGreaterThanOrEqual(before);
    expect(reading.at).toBeLessThanOrEqual(performance.now());
  });

  test('steal over a window as cores and as a share of the cores, and disturbed from DISTURBED_STEAL', () => {
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(Math.random() * 8);
      const start = randomCores(n);
      const stolen = Array.from({ length: n }, () => Math.floor(Math.random() * 40));
      const worked = Array.from({ length: n }, () => Math.floor(Math.random() * 400));
      const end = start.map((core, i) => core.map((ticks, field) => ticks + (field === 7 ? stolen[i]! : field === 0 ? worked[i]! : 0)));
      const seconds = 0.5 + Math.random() * 4;
      const at = 1000 + Math.random() * 1e6;
      const before: CpuStat = { ...parseProcStat(procStat(start))!, at };
      const after: CpuStat = { ...parseProcStat(procStat(end))!, at: at + seconds * 1000 };
      const window = cpuBetween(before, after)!;
      const stealCores = stolen.reduce((a, b) => a + b, 0) / USER_HZ / seconds;
      expect(window.seconds).toBeCloseTo(seconds, 6);
      expect(window.steal).toBeCloseTo(stealCores * seconds, 6);
      expect(window.busy).toBeCloseTo(worked.reduce((a, b) => a + b, 0) / USER_HZ, 6);
      expect(window.stealCores).toBeCloseTo(stealCores, 6);
      expect(window.stealShare).toBeCloseTo(stealCores / n, 6);
    }
  });

  test('a window is disturbed from DISTURBED_STEAL cores of steal on', () => {
    const reading = (steal: number, at: number): CpuStat => ({ busy: 0, steal, cores: [{ busy: 0, steal }, { busy: 0, steal: 0 }], at });
    const ticksIn2s = DISTURBED_STEAL * 2 * USER_HZ;
    expect(cpuBetween(reading(5, 0), reading(5 + ticksIn2s / USER_HZ, 2000))!.disturbed).toBe(true);
    expect(cpuBetween(reading(5, 0), reading(5 + (ticksIn2s - 1) / USER_HZ, 2000))!.disturbed).toBe(false);
    expect(cpuBetween(reading(5, 0), reading(5, 2000))).toMatchObject({ stealCores: 0, stealShare: 0, disturbed: false });
  });
});

describe('stealCell', () => {
  test('two decimals, the unit if given, "(disturbed)" when marked, n/a where not measured', () => {
    expect(stealCell({ stealCores: 0.004, disturbed: false })).toBe('0.00');
    expect(stealCell({ stealCores: 0.1234, disturbed: true }, ' cores')).toBe('0.12 cores (disturbed)');
    expect(stealCell({ stealCores: null, disturbed: null })).toBe('n/a');
    expect(stealCell(null)).toBe('n/a');
  });
});
