/**
 * Owned delivery's memory: the whole messages of one read are copied into the shared slab in as many pieces
 * as it takes to fill each slab (split at message boundaries), not as one range that leaves the rest of a
 * slab unused when it does not fit. Every message stays intact (kept uncopied until the end and compared
 * with what was sent), and the slabs the messages live in hold little more than the messages.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameEncoder } from '../../src/codec/index.js';
import { SLAB_SIZE } from '../../src/codec/slab.js';
import { utf8Bytes } from '../support/streams.js';

/** 64 KiB reads, as a server's socket gives them. */
function reads(stream: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += 65_536) chunks.push(stream.subarray(at, at + 65_536));
  return chunks;
}

describe('FrameDecoder owned delivery: slab use', () => {
  for (const [size, count] of [[1024, 600], [16_384, 200], [5000, 150]] as const) {
    it(`${count} messages of ${size} bytes in 64 KiB reads fill their slabs and stay intact`, () => {
      const sent = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? utf8Bytes(size, i + 1) : new Uint8Array(size).fill(i)));
      const encoder = new FrameEncoder({ role: 'client' });
      sent.forEach((data, i) => (i % 2 === 0 ? encoder.text(data) : encoder.binary(data)));
      const got: Uint8Array[] = [];
      const decoder = new FrameDecoder({ role: 'server', onMessage: (data) => got.push(data) });
      for (const chunk of reads(encoder.flush())) decoder.push(chunk);
      expect(decoder.error).toBe(null);
      expect(got.map((data) => Buffer.from(data).toString('hex'))).toEqual(sent.map((data) => Buffer.from(data).toString('hex')));
      const buffers = new Set(got.map((data) => data.buffer));
      const held = [...buffers].reduce((sum, buffer) => sum + buffer.byteLength, 0);
      // At most one message's worth per slab left unused (plus the first slab, shared with earlier tests). One copy
      // of each read's range left about half of every slab unused: 1.9 bytes per byte of 1 KiB messages.
      expect(held).toBeLessThanOrEqual(count * size * (1 + size / (SLAB_SIZE - size)) * 1.02 + SLAB_SIZE);
      // Some read's messages were split between two slabs.
      expect(buffers.size).toBeGreaterThan(1);
    });
  }
});
