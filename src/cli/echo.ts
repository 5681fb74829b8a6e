/** `wsframe echo`: a WebSocket echo server, for testing clients and for benchmarks. */
import type { AddressInfo } from 'node:net';
import { createEchoServer } from '../server/echo.js';
import { deflateOption, deflateValue, integerOption, listenAddress, listenOptions, listeningUrl, type Command } from './command.js';

const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

export const echo: Command = {
  name: 'echo',
  summary: 'Run a WebSocket echo server: text back as text, binary as binary.',
  options: {
    ...listenOptions,
    'max-payload': { type: 'string', value: 'N', description: `largest message in bytes (default ${DEFAULT_MAX_PAYLOAD} = 100 MiB)` },
    deflate: deflateOption('negotiate permessage-deflate and compress echoes of 1 KiB or more (mode default: dedicated)'),
  },
  run(values) {
    const { port, host } = listenAddress(values);
    const maxPayload = integerOption('max-payload', values['max-payload'], DEFAULT_MAX_PAYLOAD, 0, Number.MAX_SAFE_INTEGER);
    const perMessageDeflate = deflateValue(values.deflate);
    const server = createEchoServer({ port, host, maxPayload, perMessageDeflate }, () => {
      process.stdout.write(`wsframe echo server listening on ${listeningUrl(server.address() as AddressInfo)}\n`);
    });
    server.on('error', (error) => {
      process.stderr.write(`wsframe echo: ${error.message}\n`);
      process.exit(1);
    });
    const stop = (): void => {
      server.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
};
