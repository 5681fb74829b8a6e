/** The `wsframe` dispatcher: --version, --help, and its messages for mistakes. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { wsframe } from './run.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

test.each([['--version'], ['-v']])('wsframe %s prints the package version', (flag) => {
  expect(wsframe(flag)).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
});

test.each([['--help'], ['-h'], ['help']])('wsframe %s lists the commands on stdout', (flag) => {
  const { status, stdout, stderr } = wsframe(flag);
  expect(status).toBe(0);
  expect(stderr).toBe('');
  expect(stdout).toMatch(/^Usage: wsframe <command> \[options\]\n/);
  expect(stdout).toMatch(/^ {2}echo +Run a WebSocket echo server/m);
  expect(stdout).toMatch(/^ {2}relay +Run a fan-out relay/m);
  expect(stdout).toContain('wsframe --version');
});

test('wsframe help echo is wsframe echo --help', () => {
  const help = wsframe('help', 'echo');
  expect(help.status).toBe(0);
  expect(help.stdout).toBe(wsframe('echo', '--help').stdout);
});

test.each([
  [[], 'missing command'],
  [['serve'], "unknown command 'serve'"],
  [['help', 'serve'], "unknown command 'serve'"],
  [['--bogus'], "unknown option '--bogus'"],
])('wsframe %j: exit 2 with "%s" and the list of commands', (args, message) => {
  const { status, stdout, stderr } = wsframe(...args);
  expect(status).toBe(2);
  expect(stdout).toBe('');
  expect(stderr.split('\n')[0]).toBe(`wsframe: ${message}`);
  expect(stderr).toContain('\n\nUsage: wsframe <command> [options]\n');
});

