import { expect, test } from 'vitest';
import WS from 'ws';
import { createServer, connect } from '../../src/server/index.js';
import type { AddressInfo } from 'node:net';

test('smoke', async () => {
  const server = createServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  server.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  const port = (server.address() as AddressInfo).port;
  const c = new WS(`ws://127.0.0.1:${port}`);
  await new Promise((r) => c.once('open', r));
  c.send('hello');
  const [d, b] = await new Promise<any[]>((r) => c.once('message', (...a) => r(a)));
  expect(d.toString()).toBe('hello'); expect(b).toBe(false);
  const ours = await connect(`ws://127.0.0.1:${port}`);
  ours.send(Buffer.from([1, 2, 3]));
  const [d2, b2] = await new Promise<any[]>((r) => ours.once('message', (...a) => r(a)));
  expect([...d2]).toEqual([1, 2, 3]); expect(b2).toBe(true);
  const closed = new Promise<any[]>((r) => c.once('close', (...a) => r(a)));
  c.close(4000, 'bye');
  const [code, reason] = await closed;
  expect(code).toBe(4000); expect(reason.toString()).toBe('bye');
  await new Promise((r) => server.close(r));
});
