/**
 * A message sent in fragments (`send(data, { fin: false })` … `{ fin: true }`):
 * its first frame has the message's opcode, the rest are continuations (the
 * connection's MessageSequence), with and without permessage-deflate, to a ws client.
 */
import { expect, test } from 'vitest';
import type { WebSocket } from '../../src/server/index.js';
import { WS, cleanupsAfterEach, closeServer, listen } from './helpers.js';

const cleanups = cleanupsAfterEach();

test.each([false, true])('fragments sent by the server arrive as one message of the first fragment\'s type (perMessageDeflate %s)', async (perMessageDeflate) => {
  const { server, url } = await listen({ perMessageDeflate });
  cleanups.push(() => closeServer(server));
  server.on('connection', (ws: WebSocket) => {
    ws.send('ab', { fin: false });
    ws.send(Buffer.from('cd'), { binary: true, fin: false }); // a continuation: the message stays text
    ws.send('e'.repeat(2000), { fin: true });
    ws.send(Buffer.from([1, 2]), { binary: true, fin: false });
    ws.send(Buffer.from([3]), { binary: true });
  });
  const client = new WS(url, { perMessageDeflate });
  cleanups.push(() => client.terminate());
  const messages: [string, boolean][] = [];
  await new Promise<void>((resolve) => client.on('message', (data: Buffer, isBinary: boolean) => {
    messages.push([isBinary ? data.toString('hex') : String(data), isBinary]);
    if (messages.length === 2) resolve();
  }));
  expect(messages).toEqual([[`abcd${'e'.repeat(2000)}`, false], ['010203', true]]);
  expect(client.extensions).toBe(perMessageDeflate ? 'permessage-deflate' : '');
});
