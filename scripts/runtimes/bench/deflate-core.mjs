// The permessage-deflate engine benchmark's workload, the same in every
// runtime: compress and inflate 1 KiB and 16 KiB JSON-like messages, one
// message at a time, on each candidate engine:
// - wsframe's engines through `messageDeflate` (node:zlib where the runtime
//   has it, pako everywhere), shared (no context takeover: the stream is reset
//   after each message) and dedicated (context takeover);
// - fflate's one-shot deflateSync/inflateSync (its fastest path; its streaming
//   classes allocate per message), shared only: it has no window-bits option;
// - the runtime's own CompressionStream/DecompressionStream('deflate-raw'),
//   asynchronous, one stream per message (shared only: they cannot flush
//   without ending the stream, so no context takeover for compression).
// No runtime APIs here: each runner passes its clock.
import { deflateSync, inflateSync } from 'fflate';

export const SIZES = [1024, 16 * 1024];
/** Different messages cycled, so context takeover cannot just repeat the previous one. */
const VARIANTS = 16;

/** JSON-like records of `bytes` bytes; `variant` changes the values. */
export function jsonMessage(bytes, variant) {
  let text = '[';
  for (let i = 0; text.length < bytes; i++) {
    const n = i * 31 + variant * 1009;
    text += JSON.stringify({ id: n, user: `user${n % 97}`, score: (n * 7919) % 1000, tags: ['alpha', 'beta', 'gamma'].slice(n % 3), active: n % 2 === 0 }) + ',';
  }
  return new TextEncoder().encode(text.slice(0, bytes));
}

const TRAILER_END = new Uint8Array([0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff]);
const withEnd = (payload) => {
  const out = new Uint8Array(payload.length + TRAILER_END.length);
  out.set(payload);
  out.set(TRAILER_END, payload.length);
  return out;
};

async function through(stream, input) {
  const writer = stream.writable.getWriter();
  writer.write(input).catch(() => undefined);
  writer.close().catch(() => undefined);
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

/**
 * Operations per second of `op(i)` (sync, or async when it returns a promise)
 * over `budgetMs`, after as long again of warm-up (pako and fflate need many
 * calls before the JIT settles). `i` counts from 0 in each run.
 */
async function rate(op, now, budgetMs) {
  const first = op(0);
  const isAsync = first instanceof Promise;
  if (isAsync) await first;
  const run = async (ms) => {
    let n = 0;
    const start = now();
    let elapsed = 0;
    while (elapsed < ms) {
      for (let k = 0; k < 16; k++) {
        const result = op(n++);
        if (isAsync) await result;
      }
      elapsed = now() - start;
    }
    return (n * 1000) / elapsed;
  };
  await run(budgetMs);
  return run(budgetMs);
}

/** The candidates: name, mode, and make(messages) → { compress(i), inflate(i), size } or undefined where unavailable. */
function candidates(deflate, engines) {
  const list = [];
  for (const engine of engines) {
    for (const mode of ['shared', 'dedicated']) {
      list.push({
        name: `wsframe ${engine.name}`,
        mode,
        make(messages) {
          const options = deflate.resolveDeflateOptions({ mode, threshold: 0 });
          const { params } = deflate.acceptOffer('permessage-deflate', options);
          const sender = deflate.messageDeflate(engine, params, 'server', options);
          const receiver = deflate.messageDeflate(engine, params, 'client', options);
          // The receiver inflates what the sender made, in order (context takeover needs the order).
          const payloads = messages.map((m) => sender.compress(m));
          const fresh = deflate.messageDeflate(engine, params, 'server', options);
          return {
            compress: (i) => fresh.compress(messages[i % messages.length]),
            inflate: (i) => {
              // A dedicated receiver must see the sender's messages in sequence: start over with both at each cycle.
              if (mode === 'dedicated' && i % messages.length === 0) receiver.close();
              return receiver.decompress(payloads[i % messages.length], 0);
            },
            size: payloads.reduce((sum, p) => sum + p.length, 0) / payloads.length,
            level: options.level,
          };
        },
      });
    }
  }
  list.push({
    name: 'fflate 0.8 one-shot',
    mode: 'shared',
    make(messages) {
      const payloads = messages.map((m) => deflateSync(m, { level: 1 }));
      return { compress: (i) => deflateSync(messages[i % messages.length], { level: 1 }), inflate: (i) => inflateSync(withEnd(payloads[i % payloads.length])), size: payloads.reduce((s, p) => s + p.length, 0) / payloads.length, level: 1 };
    },
  });
  if (typeof CompressionStream === 'function') {
    list.push({
      name: 'CompressionStream (async)',
      mode: 'shared',
      async make(messages) {
        const payloads = [];
        for (const m of messages) payloads.push(await through(new CompressionStream('deflate-raw'), m));
        return { compress: (i) => through(new CompressionStream('deflate-raw'), messages[i % messages.length]), inflate: (i) => through(new DecompressionStream('deflate-raw'), payloads[i % payloads.length]), size: payloads.reduce((s, p) => s + p.length, 0) / payloads.length, level: 'default' };
      },
    });
  }
  return list;
}

/**
 * Measures every candidate at every size.
 * @returns {Promise<{ name, mode, level, size, bytes, compress, inflate }[]>} rates in messages per second, `bytes` the mean compressed size
 */
export async function measureAll(deflate, now, { budgetMs }) {
  const engines = [];
  for (const name of ['node:zlib', 'pako']) {
    try {
      engines.push(await deflate.deflateEngine(name));
    } catch {
      // not in this runtime
    }
  }
  const rows = [];
  for (const size of SIZES) {
    const messages = Array.from({ length: VARIANTS }, (_, v) => jsonMessage(size, v));
    for (const candidate of candidates(deflate, engines)) {
      const run = await candidate.make(messages);
      rows.push({
        name: candidate.name,
        mode: candidate.mode,
        level: run.level,
        size,
        bytes: Math.round(run.size),
        compress: await rate(run.compress, now, budgetMs),
        inflate: await rate(run.inflate, now, budgetMs),
      });
    }
  }
  return rows;
}
