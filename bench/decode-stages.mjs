// Where the time of a 16 KiB text message goes in FrameDecoder's owned delivery: the whole decode (owned,
// transient, and ws Receiver + bufferutil + isUtf8 as the anchor) beside each stage timed alone on the same
// bytes. Run: node bench/decode-stages.mjs [--rounds N] [--kind mixed|utf8|text] [--only REGEX]
//
// Every stage runs once per round, in turn, so load that drifts during the run hits them alike; each cell is
// the median over rounds (and the fastest round) of nanoseconds per 16 KiB message, with the minor page faults
// per message. The stream is the codec benchmark's: 16 MiB of masked frames in 64 KiB chunks, more than the
// caches hold. Not part of `npm run bench`: a diagnostic, printed only (docs/codec.md quotes its figures).
import { createRequire } from 'node:module';
import { isUtf8 } from 'node:buffer';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { payload } from './support/codec-payload.mjs';
import { ownedFloor } from './support/decode-floor-owned.mjs';

const require = createRequire(import.meta.url);
const { Receiver, Sender } = require('ws');
const bufferutil = require('bufferutil');
const { FrameDecoder } = await import('../build/esm/codec/index.js');
const { kernels, IO_PTR } = await import('../build/esm/codec/internal.js');
const { SLAB_SIZE } = await import('../build/esm/codec/slab.js');

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' }, kind: { type: 'string', default: 'mixed' }, only: { type: 'string' } } });
const BYTES = 16384;
const CHUNK = 65536;
const count = (16 << 20) / BYTES;
const frames = [];
for (let i = 0; i < count; i++) frames.push(...Sender.frame(payload(BYTES, values.kind, i + 1), { fin: true, opcode: 1, mask: true, readOnly: true, rsv1: false }));
const stream = Buffer.concat(frames);
const chunks = [];
for (let at = 0; at < stream.length; at += CHUNK) chunks.push(stream.subarray(at, at + CHUNK));
const text = payload(BYTES, values.kind, 3);
const io = new Uint8Array(kernels.memory.buffer, IO_PTR, CHUNK);
const head = io.subarray(0, BYTES);
const KEY = 0x5a3c9617;
let sink = 0;

const headBuffer = Buffer.from(io.buffer, io.byteOffset, BYTES);
/** A JavaScript copy of one message and a mask, for ws's own stages (bufferutil works on JS memory). */
const jsText = Buffer.from(text);
const maskBytes = Buffer.from([0x17, 0x96, 0x3c, 0x5a]);

/** Copies `head` out once per message into 120 KiB slabs, a new one when the last is full (as the decoder does). */
function copyOutFresh(copy) {
  let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
  let used = 0;
  for (let i = 0; i < count; i++) {
    if (used + BYTES > slab.length) {
      slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      used = 0;
    }
    copy(slab, used);
    used += BYTES;
  }
}

/** Each stage handles the whole stream (count messages' worth of bytes) once per call. */
const stages = {
  'decode, owned': () => {
    const decoder = new FrameDecoder({ role: 'server', maxPayload: 0, onMessage: (m) => { sink += m.length; } });
    for (const chunk of chunks) decoder.push(chunk);
  },
  'decode, transient': () => {
    const decoder = new FrameDecoder({ role: 'server', maxPayload: 0, transient: true, onMessage: (m) => { sink += m.length; } });
    for (const chunk of chunks) decoder.push(chunk);
  },
  // The anchor, as bench/codec.bench.mjs runs it: a fresh copy of each chunk, as from a socket.
  'ws Receiver + bufferutil': () => {
    const receiver = new Receiver({ isServer: true, maxPayload: 0 });
    receiver.on('message', (m) => { sink += m.length; });
    for (const chunk of chunks) receiver.write(Buffer.from(chunk));
  },
  // What no owned WASM decoder can beat (codec.bench.mjs's floor row): the two copies, the unmask kernel, isUtf8.
  'floor: copy in, unmask, copy out to the slab, isUtf8': ownedFloor(chunks, count, BYTES, true, () => { sink++; }),
  'copy in (chunk to io, TypedArray set)': () => {
    for (const chunk of chunks) io.set(chunk);
  },
  'unmask in io (kernel, cache-hot)': () => {
    for (let i = 0; i < count; i++) kernels.mask(IO_PTR, IO_PTR, BYTES, KEY, 0);
  },
  'isUtf8 on io (cache-hot)': () => {
    io.set(text);
    for (let i = 0; i < count; i++) sink += isUtf8(head) ? 1 : 0;
  },
  'validateUtf8 kernel on io (cache-hot)': () => {
    io.set(text);
    for (let i = 0; i < count; i++) sink += kernels.validateUtf8(IO_PTR, BYTES, 0);
  },
  'slab allocations alone (1 per 120 KiB)': () => {
    for (let i = 0; i < (count * BYTES) / SLAB_SIZE; i++) sink += Buffer.allocUnsafeSlow(SLAB_SIZE).length;
  },
  'copy out to fresh slabs (TypedArray set)': () => copyOutFresh((slab, at) => slab.set(head, at)),
  'copy out to fresh slabs (Buffer copy)': () => copyOutFresh((slab, at) => headBuffer.copy(slab, at)),
  // ws's side of the anchor, stage by stage: the benchmark's socket-like copy, bufferutil's unmask, isUtf8.
  'ws: fresh copy of each chunk (Buffer.from)': () => {
    for (const chunk of chunks) sink += Buffer.from(chunk).length;
  },
  'ws: bufferutil unmask in place (cache-hot)': () => {
    for (let i = 0; i < count; i++) bufferutil.unmask(jsText, maskBytes);
  },
  'ws: isUtf8 on a JS buffer (cache-hot)': () => {
    for (let i = 0; i < count; i++) sink += isUtf8(jsText) ? 1 : 0;
  },
  'copy out to one reused buffer (cache-hot)': () => {
    const target = Buffer.allocUnsafeSlow(4 * CHUNK);
    for (let i = 0, used = 0; i < count; i++, used = (used + BYTES) % target.length) target.set(head, used);
  },
};

const only = values.only ? new RegExp(values.only) : undefined;
const names = Object.keys(stages).filter((name) => !only || only.test(name));
const rounds = Number(values.rounds);
const times = Object.fromEntries(names.map((name) => [name, []]));
const faults = Object.fromEntries(names.map((name) => [name, 0]));
const loadBefore = os.loadavg();
for (const name of names) stages[name](); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const name of names) {
    const before = process.resourceUsage().minorPageFault;
    const start = process.hrtime.bigint();
    stages[name]();
    times[name].push(Number(process.hrtime.bigint() - start) / count);
    faults[name] += process.resourceUsage().minorPageFault - before;
  }
}
if (sink === 0) throw new Error('nothing measured');
const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
console.log(`Node ${process.version}, ${os.cpus()[0]?.model}, ${os.cpus().length} cores; ${values.kind} text, 16 KiB messages, ${rounds} rounds; load ${load(loadBefore)} at the start, ${load(os.loadavg())} at the end`);
console.log('| stage | ns per 16 KiB message, median (fastest) | faults per message |\n| --- | --- | --- |');
for (const name of names) {
  const sorted = times[name].sort((a, b) => a - b);
  console.log(`| ${name} | ${sorted[sorted.length >> 1].toFixed(0)} (${sorted[0].toFixed(0)}) | ${(faults[name] / rounds / count).toFixed(3)} |`);
}
