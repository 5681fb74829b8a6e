// The permessage-deflate engine benchmark's workload, the same in every
// runtime: inflate and compress the deflate benchmark's JSON-like messages
// (bench/support/deflate-corpus.mjs, 1 KiB and 16 KiB), one message at a time,
// with each candidate the runtime has, in each mode:
// - "no takeover" (shared mode: every message a stream of its own) and
//   "takeover" (dedicated mode: one stream per connection, messages in order);
// - the WASM module wherever it can take the message, whatever share of the
//   messages the engine beside it gives it (`DeflateEngine.wasmMax`, chosen from
//   these figures): wasm-inflater.ts without takeover, up to INFLATE_INPUT_SIZE
//   compressed bytes; wasm-compressor.ts one shot without takeover, a stream
//   with it; node:zlib's and pako's streams as message.ts drives them (one
//   zlib call per message with the trailer appended; a reset per message
//   without takeover, a full flush when compressing), and the runtime's own
//   asynchronous DecompressionStream/CompressionStream('deflate-raw'): a
//   stream per message without takeover; with takeover one DecompressionStream
//   for all (a sync-flushed message comes out whole), and no CompressionStream
//   at all (it cannot flush without ending its stream).
// The parts message.ts adds to every engine alike (copying output into the
// codec's slabs, limits) are left out: each sync candidate copies its output
// into one preallocated buffer. Every candidate is checked before it is timed.
// No runtime APIs here: each runner passes its clock.
import { jsonMessage } from '../../../bench/support/deflate-corpus.mjs';
import { deflateEngine } from '../../../build/esm/codec/deflate/load.js';
import { INFLATE_INPUT_SIZE } from '../../../build/esm/codec/layout.js';
import { wasmInflater } from '../../../build/esm/codec/deflate/wasm-inflater.js';
import { wasmCompressor, wasmStream } from '../../../build/esm/codec/deflate/wasm-compressor.js';
import { measureAll } from './core.mjs';

export const SIZES = [1024, 16 * 1024];
/**
 * The deflate benchmark's corpus: 64 different messages cycled, as its client sends them (so with takeover a
 * message is never still in the 32 KiB window when it comes round again: 64 KiB of 1 KiB messages).
 */
const VARIANTS = 64;
/** The levels of the server's modes' defaults (docs/server.md): shared 1, dedicated 2. */
const LEVEL = { 'no takeover': 1, takeover: 2 };
const WINDOW_BITS = 15;
const TRAILER = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
/** The trailer, then an empty final stored block: a complete stream, which a DecompressionStream needs to end cleanly. */
const TRAILER_END = new Uint8Array([0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff]);

const join = (a, b) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** One zlib call per message into `out`, as message.ts `write` makes it (output pieces of 64 KiB). */
function step(stream, input, out, result, forget) {
  let at = 0;
  let length = 0;
  for (;;) {
    if (!stream.step(input, at, out, forget)) throw new Error('invalid data');
    at = stream.consumed;
    result.set(out.subarray(0, stream.produced), length);
    length += stream.produced;
    if (stream.produced < out.length) return length;
  }
}

/** The whole output of a (De)CompressionStream given `input` and ended. */
async function through(stream, input) {
  const writer = stream.writable.getWriter();
  writer.write(input).catch(() => undefined);
  writer.close().catch(() => undefined);
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

/** One long-lived DecompressionStream: `push(data, expected)` resolves once `expected` bytes came out (with their count). */
function decompressionStream() {
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  return {
    async push(data, expected) {
      writer.write(data).catch(() => undefined);
      let length = 0;
      while (length < expected) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        length += value.length;
      }
      return length;
    },
    close: () => writer.abort().catch(() => undefined),
  };
}

/**
 * The benchmark tasks: `{ id, op, mode, bytes, name, compressed, async, run(i) }`; `run(i)` handles message
 * `i % VARIANTS` (in order, for takeover) and returns something the optimizer cannot drop, or its promise.
 */
export async function deflateTasks() {
  const engines = [];
  for (const name of ['node:zlib', 'pako']) {
    try {
      engines.push(await deflateEngine(name));
    } catch {
      // not in this runtime
    }
  }
  const pako = engines.find((e) => e.name === 'pako');
  const out = new Uint8Array(64 * 1024);
  const result = new Uint8Array(64 * 1024);
  const list = [];
  const add = (task) => list.push({ id: list.length, ...task });
  for (const bytes of SIZES) {
    const messages = Array.from({ length: VARIANTS }, (_, v) => jsonMessage(bytes, 1000 + v));
    for (const mode of ['no takeover', 'takeover']) {
      const takeover = mode === 'takeover';
      const level = LEVEL[mode];
      // What a peer sends, compressed by zlib's algorithm (pako, the same bytes in every runtime), trailer removed.
      const sender = pako.deflater(level, 8, WINDOW_BITS);
      const payloads = messages.map((m) => {
        const length = step(sender, m, out, result, !takeover);
        return result.slice(0, length - TRAILER.length);
      });
      sender.close();
      const compressed = Math.round(payloads.reduce((sum, p) => sum + p.length, 0) / VARIANTS);
      const common = { mode, bytes, level, compressed };

      // Inflating.
      const inflate = (name, run, async = false) => add({ ...common, op: 'inflate', name, run, async });
      const inflateOne = wasmInflater();
      if (!takeover && inflateOne !== undefined && payloads.every((p) => p.length <= INFLATE_INPUT_SIZE)) {
        inflate('WASM', (i) => {
          let length = 0;
          inflateOne(payloads[i % VARIANTS], (piece) => {
            result.set(piece, length);
            length += piece.length;
            return true;
          });
          return length;
        });
      }
      for (const engine of engines) {
        const stream = engine.inflater(WINDOW_BITS);
        const joined = payloads.map((p) => join(p, TRAILER));
        inflate(engine.name, (i) => {
          const k = i % VARIANTS;
          // With takeover the stream starts afresh with the sequence (1 reset per 64 messages); without, after each one.
          if (takeover && k === 0) stream.reset();
          const length = step(stream, joined[k], out, result);
          if (!takeover) stream.reset();
          return length;
        });
      }
      if (typeof DecompressionStream === 'function') {
        if (takeover) {
          const joined = payloads.map((p) => join(p, TRAILER));
          let stream;
          inflate('DecompressionStream', async (i) => {
            const k = i % VARIANTS;
            if (k === 0) {
              stream?.close();
              stream = decompressionStream();
            }
            return stream.push(joined[k], bytes);
          }, true);
        } else {
          const ended = payloads.map((p) => join(p, TRAILER_END));
          inflate('DecompressionStream', async (i) => (await through(new DecompressionStream('deflate-raw'), ended[i % VARIANTS])).length, true);
        }
      }

      // Compressing.
      const compress = (name, run, async = false) => add({ ...common, op: 'compress', name, run, async });
      const oneShot = takeover ? undefined : wasmCompressor(level, WINDOW_BITS);
      if (oneShot !== undefined) {
        compress('WASM', (i) => {
          const piece = oneShot(messages[i % VARIANTS]);
          result.set(piece);
          return piece.length;
        });
      }
      const ownStream = takeover ? wasmStream(level, WINDOW_BITS) : undefined;
      if (ownStream !== undefined) {
        compress('WASM', (i) => {
          let length = 0;
          ownStream.compress(messages[i % VARIANTS], (piece) => {
            result.set(piece, length);
            length += piece.length;
          });
          return length;
        });
      }
      for (const engine of engines) {
        const stream = engine.deflater(level, 8, WINDOW_BITS);
        compress(engine.name, (i) => step(stream, messages[i % VARIANTS], out, result, !takeover));
      }
      if (!takeover && typeof CompressionStream === 'function') {
        compress('CompressionStream', async (i) => (await through(new CompressionStream('deflate-raw'), messages[i % VARIANTS])).length, true);
      }
    }
  }
  await check(list, pako, result);
  return list;
}

/**
 * Every candidate checked before it is timed, on the whole sequence: a sync inflater gives the message back
 * (in `result`), a sync compressor's output (in `result`) inflates to it (pako, with the candidate's takeover);
 * the async ones give the right length. Keeps each compressor's mean output size (`wire`).
 */
async function check(list, pako, result) {
  const out = new Uint8Array(64 * 1024);
  const inflated = new Uint8Array(64 * 1024);
  for (const task of list) {
    const messages = Array.from({ length: VARIANTS }, (_, v) => jsonMessage(task.bytes, 1000 + v));
    const inflater = pako.inflater(WINDOW_BITS);
    let wire = 0;
    for (let i = 0; i < VARIANTS; i++) {
      const length = await task.run(i);
      const fail = (what) => new Error(`${task.name} (${task.op}, ${task.mode}, ${task.bytes} B): ${what} at message ${i}`);
      if (task.op === 'inflate') {
        if (length !== task.bytes || (!task.async && !equal(result.subarray(0, length), messages[i]))) throw fail('wrong output');
        continue;
      }
      wire += length;
      if (task.async) continue;
      if (task.mode === 'no takeover') inflater.reset();
      const n = step(inflater, result.slice(0, length), out, inflated);
      if (!equal(inflated.subarray(0, n), messages[i])) throw fail('output that does not inflate to the message');
    }
    inflater.close();
    if (task.op === 'compress') task.wire = Math.round(wire / VARIANTS);
  }
}

/** Runs `task` `n` times (awaiting each run of an async one); returns something the optimizer cannot drop. */
export async function repeat(task, n) {
  let sink = 0;
  if (task.async) for (let i = 0; i < n; i++) sink ^= await task.run(i);
  else for (let i = 0; i < n; i++) sink ^= task.run(i);
  return sink;
}

/**
 * µs per message of every task, with core.mjs's method (batches calibrated to `budgetMs / rounds`, the rounds
 * going over all tasks in turn, the best batch kept). `time(task, n)` returns the ms that n runs take.
 */
export async function measureDeflate(list, time, options) {
  const results = await measureAll(list.map((task) => ({ ...task, bytes: 1e6 })), time, options);
  // measureAll reports GB/s of `bytes` per run: with 1e6 "bytes", 1/gbps is ms per run.
  return results.map(({ gbps, ...task }, i) => ({ ...task, bytes: list[i].bytes, us: 1000 / gbps }));
}

/** Every task measured in process with the clock `now()` (ms). */
export async function runDeflate(now, options) {
  const list = await deflateTasks();
  const time = async (task, n) => {
    const start = now();
    await repeat(task, n);
    return now() - start;
  };
  return measureDeflate(list, time, options);
}
