/**
 * The codec benchmark's 16 KiB verdicts (bench/support/decode-rounds.mjs): the median of per-round ratios to ws,
 * each taken within its round, with the range and every round kept.
 */
import { describe, expect, test } from 'vitest';
import { roundsCell, roundsTable, summarizeRounds, type DecodeRound } from '../../bench/support/decode-rounds.mjs';

/** Rounds whose ws rate swings while every variant stays at a fixed multiple of it within the round. */
function rounds(multiples: number[], wsRates: number[]): DecodeRound[] {
  return wsRates.map((ws, i) => ({ rates: { utf8: { ws, wsframe: ws * multiples[i]!, wsframeNode: ws * 2, floor: ws * 1.1 } } }));
}

describe('summarizeRounds', () => {
  test('ratios are taken within each round, so a swinging anchor does not move them', () => {
    const summary = summarizeRounds(rounds([1.2, 1.2, 1.2], [100, 140, 70]), 16384);
    const owned = summary.find((s) => s.variant === 'wsframe')!;
    expect(owned.ratios.map((r) => r.toFixed(6))).toEqual(['1.200000', '1.200000', '1.200000']);
    expect(owned.median).toBeCloseTo(1.2);
    expect(summary.map((s) => s.variant)).toEqual(['wsframe', 'wsframeNode', 'floor']);
  });

  test('the median of the per-round ratios, with the lowest and highest, and every round kept', () => {
    const multiples = [1.5, 0.9, 1.3, 1.1, 2.0];
    const owned = summarizeRounds(rounds(multiples, [3, 5, 4, 6, 2]), 16384).find((s) => s.variant === 'wsframe')!;
    expect(owned.rounds).toBe(5);
    expect(owned.ratios.map((r) => Number(r.toFixed(6)))).toEqual(multiples);
    expect(owned.median).toBeCloseTo(1.3);
    expect([owned.min, owned.max]).toEqual([expect.closeTo(0.9), expect.closeTo(2.0)]);
    // Median rates in GB/s at 16 KiB: ws's median rate is 4 messages/s.
    expect(owned.wsGbps).toBeCloseTo((4 * 16384) / 1e9);
  });

  test('an even number of rounds takes the mean of the middle two', () => {
    const owned = summarizeRounds(rounds([1, 2, 3, 4], [1, 1, 1, 1]), 16384).find((s) => s.variant === 'wsframe')!;
    expect(owned.median).toBeCloseTo(2.5);
  });

  test('a variant missing from any round is left out', () => {
    const partial = rounds([1, 1, 1], [1, 1, 1]);
    delete partial[1]!.rates.utf8!.floor;
    expect(summarizeRounds(partial, 16384).map((s) => s.variant)).toEqual(['wsframe', 'wsframeNode']);
  });
});

describe('roundsCell and roundsTable', () => {
  test('the median with the range; a single round without one', () => {
    const [owned] = summarizeRounds(rounds([1.5, 0.9, 1.3], [1, 1, 1]), 16384);
    expect(roundsCell(owned!)).toBe('1.30× (0.90–1.50×)');
    const [single] = summarizeRounds(rounds([1.25], [1]), 16384);
    expect(roundsCell(single!)).toBe('1.25×');
  });

  test('one row per kind and variant, every round listed', () => {
    const markdown = roundsTable(summarizeRounds(rounds([1.5, 0.9, 1.3], [1, 1, 1]), 16384));
    expect(markdown.split('\n')).toHaveLength(2 + 3);
    expect(markdown).toContain('| 16 KiB utf8 | wsframe (owned) |');
    expect(markdown).toContain('| 1.50, 0.90, 1.30 |');
  });
});
