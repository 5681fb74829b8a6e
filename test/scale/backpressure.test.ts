/**
 * Backpressure for fan-out: a subscriber that stops reading loses messages
 * (counted, reported) or is closed with 1008, while one that keeps reading
 * loses none, and the server's memory stays bounded.
 */
import { describe, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from '../../src/server/index.js';
import { WS, listen, next } from '../server/helpers.js';
import { closedAfterEach, until } from './support.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Client = any;

const { servers, clients } = closedAfterEach<WebSocketServer, Client>();

async function subscriber(server: WebSocketServer, url: string, topic: string): Promise<{ client: Client; ws: WebSocket; received: number[] }> {
  const accepted = next(server, 'connection');
  const client = new WS(url);
  clients.push(client);
  const received: number[] = [];
  client.on('message', (data: Buffer) => received.push(data.readUInt32BE(0)));
  await next(client, 'open');
  const [ws] = await accepted;
  ws.subscribe(topic);
  return { client, ws, received };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));


/** A 64 KiB message carrying its sequence number. */
function message(seq: number): Buffer {
  const m = Buffer.alloc(64 * 1024);
  m.writeUInt32BE(seq, 0);
  return m;
}

describe('backpressure', () => {
  it('drops (and reports) publishes to a subscriber past maxBackpressure; a reading subscriber loses none; memory stays bounded', async () => {
    const { server, url } = await listen({ maxBackpressure: 256 * 1024 });
    servers.push(server);
    const fast = await subscriber(server, url, 't');
    const slow = await subscriber(server, url, 't');
    slow.client.pause(); // stops reading: the kernel buffers fill, then the server's
    let droppedEvents = 0;
    slow.ws.on('dropped', (topic: string, data: Uint8Array, isBinary: boolean) => {
      expect(topic).toBe('t');
      expect(data.length).toBe(64 * 1024);
      expect(isBinary).toBe(true);
      droppedEvents++;
    });
    fast.ws.on('dropped', () => {
      throw new Error('the reading subscriber lost a message');
    });
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    let delivered = 0;
    let dropped = 0;
    // 1,602 messages of 64 KiB (bursts of 3, under the limit): 100 MiB published to the subscriber that never reads.
    let seq = 0;
    for (let burst = 0; burst < 534; burst++) {
      for (let i = 0; i < 3; i++) {
        const result = server.publish('t', message(seq++));
        delivered += result.delivered;
        dropped += result.dropped;
      }
      await until(() => fast.received.length === seq);
      if (burst % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    expect(fast.received).toEqual(Array.from({ length: seq }, (_, i) => i));
    expect(dropped).toBeGreaterThan(1400); // the kernel's socket buffers hold only the first few MB
    expect(droppedEvents).toBe(dropped);
    expect(delivered + dropped).toBe(2 * seq);
    expect(slow.ws.bufferedAmount).toBeLessThanOrEqual(256 * 1024);
    // 100 MiB went nowhere: the process grew by far less.
    expect(peakRss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    // The slow subscriber got a prefix, in order: everything until its buffers filled.
    slow.client.resume();
    await until(() => slow.received.length === delivered - seq);
    expect(slow.received).toEqual(Array.from({ length: delivered - seq }, (_, i) => i));
  });

  it('applies maxBackpressure to the exact frame among small publishes held in one loop iteration', async () => {
    // 18-byte frames (16 B payloads) held for one write at the end of the iteration: 55 of them (990 bytes) fit
    // under 1,000, the 56th would not; in the next iteration, once the 55 are written, the limit counts afresh.
    const { server, url } = await listen({ maxBackpressure: 1000 });
    servers.push(server);
    const sub = await subscriber(server, url, 't');
    const payload = (seq: number): Buffer => {
      const m = Buffer.alloc(16);
      m.writeUInt32BE(seq, 0);
      return m;
    };
    const results = Array.from({ length: 100 }, (_, seq) => server.publish('t', payload(seq)));
    expect(results.filter((r) => r.delivered === 1).length).toBe(55);
    expect(results.findIndex((r) => r.dropped === 1)).toBe(55);
    await until(() => sub.received.length === 55);
    expect(sub.received).toEqual(Array.from({ length: 55 }, (_, i) => i));
    expect(server.publish('t', payload(100))).toEqual({ delivered: 1, dropped: 0 });
    await until(() => sub.received.length === 56);
    expect(sub.received[55]).toBe(100);
  });

  it('closeOnBackpressureLimit closes a subscriber past the limit with 1008', async () => {
    const { server, url } = await listen({ maxBackpressure: 128 * 1024, closeOnBackpressureLimit: true });
    servers.push(server);
    const slow = await subscriber(server, url, 't');
    const reader = await subscriber(server, url, 't');
    slow.client.pause();
    let seq = 0;
    let dropped = 0;
    while (dropped === 0 && seq < 10_000) {
      dropped += server.publish('t', message(seq++)).dropped;
      await until(() => reader.received.length === seq);
      await tick();
    }
    expect(dropped).toBe(1);
    expect(slow.ws.readyState).toBe(2); // CLOSING: the close frame waits behind what the peer has not read
    expect(server.publish('t', message(seq++))).toEqual({ delivered: 1, dropped: 0 }); // closing: no longer counted
    const closed = next(slow.client, 'close');
    const serverClosed = next(slow.ws, 'close');
    slow.client.resume();
    const [code, reason] = await closed;
    expect(code).toBe(1008);
    expect(reason.toString()).toBe('Backpressure limit exceeded');
    expect(slow.received).toEqual(Array.from({ length: slow.received.length }, (_, i) => i));
    await serverClosed;
    expect(server.topics.subscriberCount('t')).toBe(1);
  });
});
