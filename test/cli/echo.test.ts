/** `wsframe echo`: the server it runs, and how it rejects bad options. */
import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { WS, next } from '../server/helpers.js';
import { bin, wsframe } from './run.js';

test('wsframe echo prints its URL and echoes text as text, binary as binary', async () => {
  const child = spawn(process.execPath, [bin, 'echo', '--port', '0', '--max-payload', '1000']);
  try {
    const line = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
    expect(line).toMatch(/^wsframe echo server listening on ws:\/\/127\.0\.0\.1:\d+\n$/);
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

test('wsframe echo --help lists its options on stdout', () => {
  const { status, stdout, stderr } = wsframe('echo', '--help');
  expect(status).toBe(0);
  expect(stderr).toBe('');
  expect(stdout).toMatch(/^Usage: wsframe echo \[options\]\n/);
  for (const option of ['--port N', '--host HOST', '--max-payload N', '--help']) expect(stdout).toContain(option);
});

test.each([
  [['--port', '-1'], "invalid --port '-1': expected an integer from 0 to 65535"],
  [['--port=-1'], "invalid --port '-1': expected an integer from 0 to 65535"],
  [['--port', '65536'], "invalid --port '65536': expected an integer from 0 to 65535"],
  [['--port', 'x'], "invalid --port 'x': expected an integer from 0 to 65535"],
  [['--port', '1.5'], "invalid --port '1.5': expected an integer from 0 to 65535"],
  [['--max-payload', '1e3'], "invalid --max-payload '1e3': expected an integer from 0 to 9007199254740991"],
  [['--port'], "option '--port' needs a value"],
  [['--bogus'], "unknown option '--bogus'"],
  [['--help=yes'], "option '--help' takes no value"],
  [['extra'], "unexpected argument 'extra'"],
])('wsframe echo %j: exit 2 with "%s" and the usage', (args, message) => {
  const { status, stdout, stderr } = wsframe('echo', ...args);
  expect(status).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toMatch(/^wsframe echo: .*\n\nUsage: wsframe echo \[options\]\n/);
  expect(stderr.split('\n')[0]).toBe(`wsframe echo: ${message}`);
});
