// The machine's CPU time from /proc/stat (Linux), the one reader of it for the benchmarks: how busy every core
// was (the echo bench's "other work") and how much time the VM's host took from it (steal). Steal is time a
// virtual CPU was ready to run and the hypervisor ran something else: the guest's processes are not charged for
// it, so a stolen server shows a low CPU share and a low rate with no other work on the machine (the 16 B phase
// of the run at 6a76d9e: every server at 58-78 % of its core, "other work" 0.00). Where /proc/stat cannot be
// read (another OS), readings are null and nothing throws.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Clock ticks per second of /proc/stat and /proc/PID/stat (USER_HZ, `getconf CLK_TCK`): fixed at 100 by the
 * kernel's ABI on x86 and arm64, whatever the kernel's own HZ.
 */
export const USER_HZ = 100;

/**
 * VM steal (cores, over a timed window) from which the window is marked disturbed. 0.05 core is 10 ticks in a
 * 2 s echo run (20 times the 1-tick resolution), 2.5 % of this 2-core machine, and 5 % of one core if all of it
 * fell on one: the size of the differences the paired ratios resolve (a 16 B echo ratio's rounds spread a few %),
 * so a window past it may have lost as much to the host as the ratios measure. A quiet stretch of this VM read
 * under 0.01 core (2 ticks in 14 s, 2026-12-02); in the disturbed run above each server missed 0.2-0.4 of its core.
 */
export const DISTURBED_STEAL = 0.05;

/**
 * @typedef {object} CpuTimes Seconds since boot: `busy` (user + nice + system + irq + softirq; guest time is
 *   inside user and nice) and `steal`.
 * @property {number} busy
 * @property {number} steal
 */

/**
 * Parses the text of /proc/stat: the aggregate `cpu` line and each core's `cpuN` line, in seconds.
 * Fields a kernel does not report (steal before Linux 2.6.11) count as 0.
 * @param {string} text
 * @returns {(CpuTimes & { cores: CpuTimes[] }) | null} null without a `cpu` line
 */
export function parseProcStat(text) {
  const times = (line) => {
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map((v) => Number(v) || 0);
    return { busy: (user + nice + system + irq + softirq) / USER_HZ, steal: (steal ?? 0) / USER_HZ };
  };
  const lines = text.split('\n');
  const total = lines.find((line) => /^cpu\s/.test(line));
  if (total === undefined) return null;
  return { ...times(total), cores: lines.filter((line) => /^cpu\d/.test(line)).map(times) };
}

/**
 * A reading of /proc/stat now, with its time (`at`, ms on `performance.now()`'s clock).
 * @param {string} [path] the file to read (tests give another)
 * @returns {(CpuTimes & { cores: CpuTimes[], at: number }) | null} null where it cannot be read or parsed
 */
export function readCpuStat(path = '/proc/stat') {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const parsed = parseProcStat(text);
  return parsed && { ...parsed, at: performance.now() };
}

/**
 * What the machine did between two readings: `seconds` of wall time, `busy` and `steal` seconds summed over the
 * cores, the steal as cores (`stealCores`: 1.0 is one whole core's worth) and as a share of the machine's cores
 * (`stealShare`, 0-1), and whether it reached DISTURBED_STEAL (`disturbed`). Clock ticks make a 2 s window's
 * figures ±0.005 core.
 * @param {ReturnType<typeof readCpuStat>} before
 * @param {ReturnType<typeof readCpuStat>} after
 * @returns {{ seconds: number, busy: number, steal: number, stealCores: number, stealShare: number, disturbed: boolean } | null}
 *   null when either reading is
 */
export function cpuBetween(before, after) {
  if (!before || !after) return null;
  // The counters are whole ticks: rounded back to them, 10 ticks read 0.1 s, not 0.0999… (under a threshold).
  const elapsed = (key) => Math.round((after[key] - before[key]) * USER_HZ) / USER_HZ;
  const seconds = (after.at - before.at) / 1000;
  const steal = elapsed('steal');
  const stealCores = seconds > 0 ? steal / seconds : 0;
  const cores = after.cores.length || os.cpus().length || 1;
  return { seconds, busy: elapsed('busy'), steal, stealCores, stealShare: stealCores / cores, disturbed: stealCores >= DISTURBED_STEAL };
}

/**
 * A window's steal as a table cell: "0.12" ("0.12 cores" with `unit` ' cores'), "(disturbed)" added from
 * DISTURBED_STEAL on, "n/a" where it was not measured.
 * @param {{ stealCores: number | null, disturbed: boolean | null } | null} window a `cpuBetween` result or a record of one
 * @param {string} [unit]
 */
export function stealCell(window, unit = '') {
  if (window?.stealCores == null) return 'n/a';
  return `${window.stealCores.toFixed(2)}${unit}${window.disturbed ? ' (disturbed)' : ''}`;
}
