/**
 * 'message' listeners see exactly what ws's would: the face calls a lone
 * listener directly (websocket.ts `_onMessage`) and everything else through
 * EventEmitter's emit, so listeners added, removed or `once` in the middle of
 * one read's batch, captured rejections, a throwing listener and an overridden
 * `emit` are checked here, the batch ones against a real ws server given the
 * same bytes in one write.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { WebSocket } from '../../src/server/index.js';
import { frame } from './fuzzer.js';
import { cleanupsAfterEach, closeServer, listen, next, wsServer } from './helpers.js';

const cleanups = cleanupsAfterEach();

type Log = string[];
type Scenario = (ws: EventEmitter, log: Log) => void;

/**
 * Runs `scenario` on the server side of a connection to wsframe's server or
 * ws's, then sends 8 text messages 'm0'…'m7' and a ping in one write (one read
 * on loopback) and resolves with the log once the ping arrived.
 */
async function run(kind: 'wsframe' | 'ws', scenario: Scenario): Promise<Log> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const { server, port } = kind === 'wsframe' ? await listen() : await wsServer().then((s) => ({ server: s.server as any, port: Number(new URL(s.url).port) }));
  cleanups.push(() => closeServer(server));
  const accepted = next(server, 'connection');
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => void socket.destroy());
  socket.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const [ws] = (await accepted) as [EventEmitter];
  const log: Log = [];
  scenario(ws, log);
  const pinged = next(ws, 'ping');
  socket.write(Buffer.concat([...Array.from({ length: 8 }, (_, i) => frame(1, `m${i}`)), frame(9, 'end')]));
  await pinged;
  return log;
}

/** A listener that logs `name:message` and checks what emit would give it. */
function logger(ws: EventEmitter, log: Log, name: string, then?: (message: string) => void) {
  return function (this: unknown, data: Buffer, isBinary: boolean, ...rest: unknown[]) {
    const message = data.toString();
    log.push(`${name}:${message}${this === ws ? '' : ' (wrong this)'}${isBinary === false && rest.length === 0 ? '' : ' (wrong arguments)'}`);
    then?.(message);
  };
}

const scenarios: Record<string, Scenario> = {
  'listeners added and removed by listeners in the middle of a batch': (ws, log) => {
    const c = logger(ws, log, 'c', (m) => m === 'm5' && ws.off('message', b));
    const b = logger(ws, log, 'b', (m) => m === 'm3' && ws.on('message', c));
    const a = logger(ws, log, 'a', (m) => {
      if (m !== 'm1') return;
      ws.off('message', a);
      ws.on('message', b);
    });
    ws.on('message', a);
  },
  'once, then a listener added by it, then none': (ws, log) => {
    const later = logger(ws, log, 'later', (m) => m === 'm4' && ws.removeAllListeners('message'));
    ws.once('message', logger(ws, log, 'once', () => ws.on('message', later)));
  },
  'a listener that adds a second one before itself, and one that removes the other during the same message': (ws, log) => {
    const second = logger(ws, log, 'second', (m) => m === 'm6' && ws.off('message', first));
    const first = logger(ws, log, 'first', (m) => m === 'm2' && ws.prependListener('message', second));
    ws.on('message', first);
  },
};

for (const [name, scenario] of Object.entries(scenarios)) {
  test(`as ws: ${name}`, async () => {
    const ours = await run('wsframe', scenario);
    expect(ours).toEqual(await run('ws', scenario));
    expect(ours.length).toBeGreaterThan(4);
  });
}

test('as ws: with captureRejections on when the connection was made, a listener whose promise rejects gives an error event', async () => {
  const logs: Log[] = [];
  for (const kind of ['wsframe', 'ws'] as const) {
    const before = EventEmitter.captureRejections;
    let log: Log = [];
    try {
      EventEmitter.captureRejections = true;
      log = await run(kind, (ws, log) => {
        ws.on('message', (data: Buffer) => {
          log.push(`message:${data}`);
          return data.toString() === 'm1' ? Promise.reject(new Error('rejected at m1')) : undefined;
        });
        ws.on('error', (error: Error) => log.push(`error:${error.message}`));
      });
    } finally {
      EventEmitter.captureRejections = before;
    }
    await new Promise((resolve) => setImmediate(resolve));
    logs.push(log);
  }
  expect(logs[0]).toContain('error:rejected at m1');
  expect(logs[0]).toEqual(logs[1]);
});

test('a lone listener that throws: the error reaches the caller, as from emit; an overridden emit sees every message', () => {
  const ws = new WebSocket();
  const error = new Error('from the listener');
  ws.on('message', () => {
    throw error;
  });
  expect(() => ws._onMessage(Buffer.from('x'), false)).toThrow(error);
  const seen: unknown[][] = [];
  ws.emit = function (this: WebSocket, ...args: unknown[]) {
    seen.push(args);
    return true;
  };
  ws._onMessage(Buffer.from('y'), true);
  expect(seen).toEqual([['message', Buffer.from('y'), true]]);
});

test('the listener table a WebSocket gets (websocket.ts fastListenerTable) behaves as a plain EventEmitter\'s', () => {
  const ops = (e: EventEmitter, log: Log): void => {
    const on = (name: string | symbol, tag: string) => (...args: unknown[]) => log.push(`${String(name)}:${tag}:${args.join(',')}`);
    const a = on('message', 'a');
    const s = Symbol('s');
    e.on('message', a);
    e.once('close', on('close', 'once'));
    e.prependListener('message', on('message', 'first'));
    e.on(s, on(s, 'sym'));
    e.on('toString', on('toString', 'x'));
    log.push(`names ${e.eventNames().map(String).join(' ')} count ${e.listenerCount('message')} ${e.listenerCount('hasOwnProperty')}`);
    e.emit('message', 1);
    e.emit('close', 2);
    e.emit('close', 3);
    e.emit(s, 4);
    e.emit('toString', 5);
    log.push(`emit unknown ${e.emit('valueOf')} ${e.emit('__proto__')}`);
    e.off('message', a);
    e.removeAllListeners('toString');
    log.push(`names ${e.eventNames().map(String).join(' ')} raw ${e.rawListeners('message').length}`);
    e.emit('message', 6);
    e.removeAllListeners();
    e.on('message', on('message', 'again'));
    e.emit('message', 7);
    log.push(`names ${e.eventNames().map(String).join(' ')}`);
  };
  const expected: Log = [];
  ops(new EventEmitter(), expected);
  const got: Log = [];
  ops(new WebSocket() as unknown as EventEmitter, got);
  expect(got).toEqual(expected);
  expect(got.length).toBeGreaterThan(8);
});
