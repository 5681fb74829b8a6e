// The workloads of bench/compare-builds.mjs. That script imports this module once
// per build (as compare-workloads.mjs?build=a and ?build=b): two module instances,
// so each build's workload functions have type feedback of their own. With one
// shared instance, a call site such as `encoder.binary(data)` sees both builds'
// classes, turns polymorphic and inlines differently from a program using one build.
import { createRequire } from 'node:module';
import { size } from './harness.mjs';
import { payload } from './payloads.mjs';
import { inprocEcho } from './inproc-echo.mjs';

const { Sender } = createRequire(import.meta.url)('ws');
/** Calls per timed run of the short API calls (mask, isValidUTF8): the timer's resolution is ~10 ns, a call 50-500 ns. */
const BATCH = 64;

/** Masked frames of `count` messages (as a server reads them), split into 64 KiB chunks. */
function stream(kind, bytes) {
  const count = Math.max(2, Math.floor((bytes >= 16384 ? 8 << 20 : 1 << 20) / bytes));
  const frames = [];
  for (let i = 0; i < count; i++) {
    frames.push(...Sender.frame(payload(kind, bytes), { fin: true, opcode: kind === 'binary' ? 2 : 1, mask: true, readOnly: true, rsv1: false }));
  }
  const all = Buffer.concat(frames);
  const chunks = [];
  for (let at = 0; at < all.length; at += 65536) chunks.push(all.subarray(at, at + 65536));
  return { count, chunks };
}

/** Each workload: a name and, per build, a function returning [fn, inner] to time. */
export const workloads = [];
for (const [kind, bytes] of [['binary', 16], ['ascii', 16], ['ascii', 1024], ['mixed', 16384], ['binary', 16384]]) {
  const { count, chunks } = stream(kind, bytes);
  workloads.push({
    name: `decode ${size(bytes)} ${kind} (server role, owned delivery)`,
    make: (codec) => {
      let received = 0;
      const decoder = new codec.FrameDecoder({ role: 'server', maxPayload: 0, onMessage: () => { received++; }, onError: (e) => { throw e; } });
      return [() => {
        for (const chunk of chunks) decoder.push(chunk);
        if (received === 0) throw new Error('decoded nothing');
      }, count];
    },
  });
}
/** Reads per timed call of the echo-read workloads: 2,048 messages, about 0.1 ms. */
const ECHO_READS = 64;
// The 16 B echo's reads as the server decodes them (echo-profile.md §14): the load generator's 32 messages in flight
// arrive in one read of 32 masked frames (704 bytes), which the socket places in the I/O region and the connection
// decodes there with pushIO; the messages are Buffers (the server's view class, when the build has one: A/B of the
// per-message Buffer too), each given to a callback that only counts it.
for (const kind of ['binary', 'ascii']) {
  const read = Buffer.concat(Array.from({ length: 32 }, () => Buffer.concat(Sender.frame(payload(kind, 16), { fin: true, opcode: kind === 'binary' ? 2 : 1, mask: true, readOnly: false, rsv1: false }))));
  workloads.push({
    name: `pushIO 16 B ${kind}, 32 per ${read.length}-byte read (server role, Buffer views, as the echo)`,
    make: (codec) => {
      let received = 0;
      const decoder = new codec.FrameDecoder({
        role: 'server', maxPayload: 0, viewType: codec.BufferView, onMessage: () => { received++; }, onError: (e) => { throw e; },
      });
      const { io } = codec;
      return [() => {
        for (let i = 0; i < ECHO_READS; i++) {
          io.set(read);
          decoder.pushIO(read.length);
        }
        if (received === 0) throw new Error('decoded nothing');
      }, ECHO_READS * 32];
    },
  });
}
// The same reads through the whole server in process (support/inproc-echo.mjs): Connection.onRead, the decoder, the
// 'message' listener of `wsframe echo` (server/echo.ts) and its `send`, the flush into a Duplex that discards.
const BINARY = { binary: true };
const TEXT = { binary: false };
for (const kind of ['binary']) {
  const read = Buffer.concat(Array.from({ length: 32 }, () => Buffer.concat(Sender.frame(payload(kind, 16), { fin: true, opcode: 2, mask: true, readOnly: false, rsv1: false }))));
  workloads.push({
    name: `echo 16 B ${kind} in process, 32 per read (onRead, listener, send, flush)`,
    make: (codec) => {
      const onRead = inprocEcho(codec.WebSocket, (ws) => (data, isBinary) => ws.send(data, isBinary ? BINARY : TEXT));
      const { io } = codec;
      return [() => {
        for (let i = 0; i < ECHO_READS; i++) {
          io.set(read);
          onRead(read.length);
        }
      }, ECHO_READS * 32];
    },
  });
}
for (const role of ['server', 'client']) {
  for (const [kind, bytes] of [['binary', 16], ['ascii', 16], ['binary', 128], ['ascii', 128], ['binary', 1024], ['ascii', 1024], ['binary', 16384]]) {
    const data = kind === 'ascii' ? payload('ascii', bytes).toString() : payload('binary', bytes);
    const n = bytes > 1024 ? 16 : 1024;
    workloads.push({
      name: `encode ${size(bytes)} ${kind} (${role} role${role === 'client' ? ', masked' : ''})`,
      make: (codec) => {
        const encoder = new codec.FrameEncoder({ role });
        const add = kind === 'ascii' ? () => encoder.text(data) : () => encoder.binary(data);
        return [() => {
          for (let i = 0; i < n; i++) add();
          encoder.flush();
        }, n];
      },
    });
  }
}
for (const bytes of [64, 1024, 16384]) {
  const data = payload('binary', bytes);
  const key = Buffer.from([1, 2, 3, 4]);
  const out = Buffer.alloc(bytes);
  workloads.push({ name: `mask ${size(bytes)} (copy)`, make: (codec) => [() => { for (let i = 0; i < BATCH; i++) codec.mask(data, key, out, 0, bytes); }, BATCH] });
}
for (const [kind, bytes] of [['ascii', 1024], ['ascii', 16384], ['mixed', 16384]]) {
  const data = payload(kind, bytes);
  workloads.push({
    name: `isValidUTF8 ${size(bytes)} ${kind}`,
    make: (codec) => [() => { for (let i = 0; i < BATCH; i++) if (!codec.isValidUTF8(data)) throw new Error('invalid'); }, BATCH],
  });
}
