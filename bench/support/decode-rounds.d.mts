/** Messages/s of one interleaved round, per kind and variant (ws is the anchor). */
export interface DecodeRound {
  rates: Record<string, { ws: number; wsframe?: number; wsframeNode?: number; floor?: number }>;
  [key: string]: unknown;
}
/** Per kind and variant: the per-round ratios to ws, their median and range, the median rates. */
export interface RoundsSummary {
  kind: string;
  bytes: number;
  variant: 'wsframe' | 'wsframeNode' | 'floor';
  rounds: number;
  ratios: number[];
  median: number;
  min: number;
  max: number;
  gbps: number;
  wsGbps: number;
}
export const ROUND_VARIANTS: ReadonlyArray<'wsframe' | 'wsframeNode' | 'floor'>;
/** The summary of interleaved rounds at `bytes` per message. */
export function summarizeRounds(rounds: DecodeRound[], bytes: number): RoundsSummary[];
/** "1.31× (1.12–1.52×)": the median of the rounds' ratios and their range. */
export function roundsCell(s: RoundsSummary): string;
/** The Markdown table of a summary. */
export function roundsTable(summary: RoundsSummary[]): string;
