/** A row of bench/results/echo.json's `latency`: medians over `runs` fixed-rate runs (results from before the runs were repeated have one run and no ranges). */
export interface LatencyRow {
  server: string;
  size: number;
  offered: number;
  p50ms: number;
  p99ms: number;
  runs?: number;
  p50Range?: [number, number];
  p99Range?: [number, number];
  offRate?: number;
}
/** A fixed-rate latency cell: "p50 / p99", the p99's range over the runs where there were several, runs off the offered rate. */
export function latencyCell(r: LatencyRow): string;
/** The README section from the reports ({ name, ...json }) found in bench/results. */
export function readmeSection(reports: Array<{ name: string; [key: string]: unknown }>): string;
/** Echo messages/s of every server side by side (SVG), or undefined without echo results. */
export function echoChart(echo: unknown): string | undefined;
/** Ratio ÷ goal of every target as a bar chart (SVG). */
export function targetsChart(rows: Array<{ area: string; name: string; ratio: number; goal: number; pass: boolean; atMost?: boolean }>): string;
