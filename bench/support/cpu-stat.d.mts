/** Seconds since boot: busy (user + nice + system + irq + softirq) and steal. */
export interface CpuTimes {
  busy: number;
  steal: number;
}
/** A reading of /proc/stat: the aggregate line and each core's, and when it was taken (performance.now(), ms). */
export interface CpuStat extends CpuTimes {
  cores: CpuTimes[];
  at: number;
}
/** What the machine did between two readings. */
export interface CpuWindow {
  seconds: number;
  busy: number;
  steal: number;
  stealCores: number;
  stealShare: number;
  disturbed: boolean;
}
/** Clock ticks per second of /proc/stat (USER_HZ). */
export const USER_HZ: number;
/** VM steal (cores) from which a timed window is marked disturbed. */
export const DISTURBED_STEAL: number;
/** The text of /proc/stat in seconds, or null without a `cpu` line. */
export function parseProcStat(text: string): (CpuTimes & { cores: CpuTimes[] }) | null;
/** A reading of /proc/stat (or `path`) now, or null where it cannot be read. */
export function readCpuStat(path?: string): CpuStat | null;
/** Between two readings, or null when either is null. */
export function cpuBetween(before: CpuStat | null, after: CpuStat | null): CpuWindow | null;
/** A window's steal as a table cell: "0.12", "0.12 (disturbed)", "n/a" where not measured. */
export function stealCell(window: { stealCores: number | null; disturbed: boolean | null } | null, unit?: string): string;
