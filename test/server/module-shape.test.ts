/**
 * The module shape of wsframe/server, as ws's: the package entry (not the
 * sources) loaded the ways users load it, and its types compiled by tsc in
 * the module settings users have, including CommonJS + node10 resolution
 * without esModuleInterop.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

describe('runtime shape (the built package, through its exports)', () => {
  test("require('wsframe/server') is the WebSocket class carrying the server and helpers", () => {
    const WebSocket = require('wsframe/server');
    expect(typeof WebSocket).toBe('function');
    expect(WebSocket.WebSocket).toBe(WebSocket);
    expect(typeof WebSocket.WebSocketServer).toBe('function');
    expect(WebSocket.Server).toBe(WebSocket.WebSocketServer);
    expect(WebSocket.OPEN).toBe(1);
    const { WebSocketServer, createServer, connect } = WebSocket;
    expect(typeof createServer).toBe('function');
    expect(typeof connect).toBe('function');
    const wss = new WebSocketServer({ noServer: true });
    expect(wss).toBeInstanceOf(WebSocket.Server);
  });

  test("import WebSocket, { WebSocketServer } from 'wsframe/server' gives the same shape", async () => {
    const module = await import('wsframe/server');
    expect(module.default).toBe(module.WebSocket);
    expect(module.default.WebSocketServer).toBe(module.WebSocketServer);
    expect(module.default.Server).toBe(module.WebSocketServer);
  });
});

/** Runs tsc on `source` in the consumer project `dir`; resolves with its output ('' when it compiles). */
function compile(dir: string, file: string, source: string, options: string[]): Promise<string> {
  writeFileSync(join(dir, file), source);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '--noEmit', '--strict', '--types', 'node', ...options, file], { cwd: dir, encoding: 'utf8' }, (error, stdout) => resolve(error ? String(stdout) : ''));
  });
}

const cjsConsumer = `
import WebSocket = require('wsframe/server');
const wss: WebSocket.WebSocketServer = new WebSocket.WebSocketServer({ noServer: true });
const old = new WebSocket.Server({ port: 0 });
const options: WebSocket.ClientOptions = { handshakeTimeout: 1000 };
const ws: WebSocket = new WebSocket('ws://127.0.0.1:1', options);
ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
wss.on('connection', (client: WebSocket) => client.close());
old.close();
export {};
`;

const esmConsumer = `
import WebSocket, { WebSocketServer, type ServerOptions } from 'wsframe/server';
const options: ServerOptions = { noServer: true };
const wss = new WebSocketServer(options);
const same: typeof WebSocketServer = WebSocket.Server;
const ws: WebSocket = new WebSocket('ws://127.0.0.1:1');
ws.terminate();
wss.close();
void same;
`;

describe('types compile for consumers', () => {
  const outputs: Record<string, string> = {};

  // Two consumer projects (CommonJS; ESM), each with the package linked in, compiled side by side.
  beforeAll(async () => {
    const project = (type: string): string => {
      const dir = mkdtempSync(join(tmpdir(), 'wsframe-consumer-'));
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(root, join(dir, 'node_modules', 'wsframe'), 'dir');
      symlinkSync(join(root, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
      writeFileSync(join(dir, 'package.json'), `{ "type": "${type}" }`);
      dirs.push(dir);
      return dir;
    };
    [outputs.cjs, outputs.esm] = await Promise.all([
      compile(project('commonjs'), 'consumer.ts', cjsConsumer, ['--module', 'commonjs', '--moduleResolution', 'node10']),
      compile(project('module'), 'consumer.mts', esmConsumer, ['--module', 'nodenext', '--moduleResolution', 'nodenext']),
    ]);
  }, 120_000);
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test('CommonJS, moduleResolution node10, no esModuleInterop (lib checks on)', () => {
    expect(outputs.cjs).toBe('');
  });

  test('ESM, NodeNext: default and named imports', () => {
    expect(outputs.esm).toBe('');
  });
});
