/** Runs the built `wsframe` bin (`npm test` builds first) to completion. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const bin = fileURLToPath(new URL('../../build/esm/cli/wsframe.js', import.meta.url));

export function wsframe(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status, stdout, stderr };
}
