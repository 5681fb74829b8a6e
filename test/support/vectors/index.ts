// Every capability's shared vectors. A new capability adds its file here.
import type { Case, Options } from './case.js';
import { frameCases } from './frame.js';
import { maskCases } from './mask.js';
import { utf8Cases } from './utf8.js';

export type { Case, Codec, Options } from './case.js';

export function allCases(options: Options): Case[] {
  return [...maskCases(options), ...utf8Cases(options), ...frameCases(options)];
}

/** Runs every case; never throws. */
export function runAll(codec: Parameters<Case['run']>[0], options: Options): { passed: string[]; failed: { name: string; error: string }[] } {
  const passed: string[] = [];
  const failed: { name: string; error: string }[] = [];
  for (const test of allCases(options)) {
    try {
      test.run(codec);
      passed.push(test.name);
    } catch (error) {
      failed.push({ name: test.name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  }
  return { passed, failed };
}
