#!/usr/bin/env node
/**
 * The `wsframe` command.
 *   wsframe echo [--port 9001] [--host 127.0.0.1] [--max-payload N]
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createEchoServer } from '../server/echo.js';

const USAGE = `Usage: wsframe echo [--port 9001] [--host 127.0.0.1] [--max-payload N]

  echo   run a WebSocket echo server (text back as text, binary as binary)
         --port N          port to listen on (default 9001; 0 picks a free one)
         --host H          address to listen on (default 127.0.0.1)
         --max-payload N   largest message in bytes (default 104857600 = 100 MiB)
`;

function fail(message: string): never {
  process.stderr.write(`wsframe: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) fail(`${name} must be a non-negative integer, got ${value}`);
  return n;
}

function main(argv: string[]): void {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'max-payload': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals.length !== 1 || positionals[0] !== 'echo') fail(positionals.length === 0 ? 'missing command' : `unknown command ${positionals.join(' ')}`);
  const port = integer(values.port, '--port', 9001);
  if (port > 65535) fail(`--port must be at most 65535, got ${port}`);
  const host = values.host ?? '127.0.0.1';
  const maxPayload = integer(values['max-payload'], '--max-payload', 100 * 1024 * 1024);
  const server = createEchoServer({ port, host, maxPayload }, () => {
    const address = server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    process.stdout.write(`wsframe echo server listening on ws://${shown}:${address.port}\n`);
  });
  server.on('error', (error) => {
    process.stderr.write(`wsframe: ${error.message}\n`);
    process.exit(1);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2));
