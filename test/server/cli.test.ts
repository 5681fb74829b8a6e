/** The `wsframe` bin (built code: `npm test` builds first). */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { WS, next } from './helpers.js';

const bin = fileURLToPath(new URL('../../build/esm/cli/wsframe.js', import.meta.url));

test('wsframe echo prints its URL and echoes text as text, binary as binary', async () => {
  const child = spawn(process.execPath, [bin, 'echo', '--port', '0', '--max-payload', '1000']);
  try {
    const line = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
    const url = /ws:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
    const client = new WS(url);
    await next(client, 'open');
    client.send('text');
    const [data, isBinary] = await next(client, 'message');
    expect([String(data), isBinary]).toEqual(['text', false]);
    client.send(Buffer.from([1, 2]));
    const [bytes, binary] = await next(client, 'message');
    expect([[...bytes], binary]).toEqual([[1, 2], true]);
    client.send(Buffer.alloc(1001));
    expect((await next(client, 'close'))[0]).toBe(1009);
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await next(child, 'exit');
  expect(code).toBe(0);
});

test('wsframe rejects unknown commands and bad options with usage', () => {
  for (const args of [[], ['serve'], ['echo', '--port', 'x'], ['echo', '--bogus']]) {
    const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: wsframe echo');
  }
});
