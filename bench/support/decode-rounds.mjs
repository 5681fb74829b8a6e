// The 16 KiB decode verdicts of bench/codec.bench.mjs from interleaved rounds: every variant measured back to
// back in each round, each round's ratio to ws + bufferutil taken within the round, the verdict the median of
// those ratios with their range. One tinybench median per variant (the main table) moved 1.01–1.34× between
// runs on this shared VM because ws's own rate moved 40 %; a ratio within a round sees the same load on both sides.
import { fixed, median, size, table } from './harness.mjs';

/** The variants of a round, beside the anchor `ws`: owned and transient delivery, the owned floor. */
export const ROUND_VARIANTS = ['wsframe', 'wsframeNode', 'floor'];
const LABELS = { wsframe: 'wsframe (owned)', wsframeNode: 'wsframe (transient)', floor: 'owned floor' };

/**
 * The summary of `rounds` (each `{ rates: { [kind]: { ws, wsframe, ... } } }`, messages/s measured in that
 * round): per kind and variant present, the per-round ratios to `ws`, their median, lowest and highest, and the
 * median rates (GB/s) at `bytes`.
 */
export function summarizeRounds(rounds, bytes) {
  const kinds = Object.keys(rounds[0]?.rates ?? {});
  return kinds.flatMap((kind) => ROUND_VARIANTS.filter((v) => rounds.every((r) => r.rates[kind][v] !== undefined)).map((variant) => {
    const ratios = rounds.map((r) => r.rates[kind][variant] / r.rates[kind].ws);
    return {
      kind, bytes, variant, rounds: rounds.length, ratios,
      median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios),
      gbps: median(rounds.map((r) => r.rates[kind][variant])) * bytes / 1e9,
      wsGbps: median(rounds.map((r) => r.rates[kind].ws)) * bytes / 1e9,
    };
  }));
}

/** A ratio over rounds as a cell: "1.31× (1.12–1.52×)", the range left out for a single round. */
export function roundsCell(s) {
  return s.rounds > 1 ? `${fixed(s.median)}× (${fixed(s.min)}–${fixed(s.max)}×)` : `${fixed(s.median)}×`;
}

/** The Markdown table of a summary: one row per kind and variant. */
export function roundsTable(summary) {
  return table(['payload', 'variant', 'GB/s (median)', 'ws + bufferutil GB/s (median)', '÷ ws: median of rounds (range)', 'per round'],
    summary.map((s) => [`${size(s.bytes)} ${s.kind}`, LABELS[s.variant], fixed(s.gbps), fixed(s.wsGbps), roundsCell(s),
      s.ratios.map((r) => fixed(r)).join(', ')]));
}
