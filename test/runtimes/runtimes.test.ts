// npm test includes the cross-runtime run (scripts/runtimes/test/run.mjs): the
// shared vectors in Deno, Bun, workerd and Chromium, and a browser WebSocket.
// About 30 s; the first run on a new machine also installs Deno, workerd and
// Chromium, hence the generous timeout.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('passes in Deno, Bun, workerd and Chromium (npm run test:runtimes)', () => {
  const script = fileURLToPath(new URL('../../scripts/runtimes/test/run.mjs', import.meta.url));
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  const output = `${run.stdout}${run.stderr}`;
  console.log(output);
  expect(run.status, output).toBe(0);
  expect(output).toMatch(/^runtimes: \d+ passed, 0 failed/m);
}, 600_000);
