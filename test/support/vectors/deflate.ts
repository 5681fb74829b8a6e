/**
 * permessage-deflate through the codec, as each runtime runs it: on an engine
 * (the one `deflateEngine()` picks there, and pako everywhere), random
 * messages round-trip through FrameEncoder.compressed() and FrameDecoder in
 * random fragments and chunks (both modes, both directions, random windows);
 * our compressed messages inflate with the runtime's own
 * DecompressionStream('deflate-raw') (one stream per message without context
 * takeover, one stream for all with it) and the runtime's
 * CompressionStream('deflate-raw') output inflates with ours; and the limits
 * hold (a zip bomb is 1009 at maxPayload, bad data and compressed invalid
 * UTF-8 are 1007). Asynchronous (the runtime's streams are), so apart from the
 * synchronous vectors.
 */
import type * as DeflateModule from '../../../src/deflate/index.js';
import type { DeflateEngine, DeflateMode, DeflateParams, MessageDeflate } from '../../../src/deflate/index.js';
import { Random } from '../random.js';
import { type Codec, type Options, check, checkBytes } from './case.js';
import { type Event, checkEvents, chunks, concat, decode, randomText } from './frame.js';

/** The `wsframe/deflate` module. */
export type Deflate = typeof DeflateModule;

export interface AsyncCase {
  name: string;
  run(): Promise<void>;
}

const RSV1 = 0x40;
const OPCODE_TEXT = 1;
const OPCODE_BINARY = 2;
/** What a sender strips from each message and the receiver puts back (RFC 7692 §7.2.1). */
const TRAILER = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
/** An empty final stored block: ends the stream, which DecompressionStream requires before it closes. */
const END = new Uint8Array([0x01, 0x00, 0x00, 0xff, 0xff]);

/** Both ends of one agreement, on `engine`. */
function agreement(deflate: Deflate, engine: DeflateEngine, mode: DeflateMode, serverBits: number, clientBits: number): { client: MessageDeflate; server: MessageDeflate; params: DeflateParams } {
  const options = deflate.resolveDeflateOptions({ mode, threshold: 0, serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits })!;
  const accepted = deflate.acceptOffer(`permessage-deflate; client_max_window_bits; server_max_window_bits=${serverBits}`, options);
  check(accepted !== undefined, () => `offer for ${mode} ${serverBits}/${clientBits} declined`);
  const { params } = accepted!;
  return { params, client: deflate.messageDeflate(engine, params, 'client', options), server: deflate.messageDeflate(engine, params, 'server', options) };
}

/** Compressible JSON-like records, mixed-script text, random bytes, runs, empty; up to ~70 KB (past the 64 KiB output buffer). */
function randomMessage(random: Random): { data: Uint8Array; isBinary: boolean } {
  switch (random.int(5)) {
    case 0: {
      let text = '';
      const length = random.int(70_000);
      for (let i = 0; text.length < length; i++) text += `{"id":${i},"user":"user${random.int(100)}","score":${random.int(1000)},"active":${i % 2 === 0}},`;
      return { data: new TextEncoder().encode(text.slice(0, length)), isBinary: false };
    }
    case 1:
      return { data: randomText(random, random.int(3000)), isBinary: false };
    case 2:
      return { data: random.bytes(random.int(3000)), isBinary: true };
    case 3:
      return { data: new Uint8Array(random.int(100_000)).fill(random.int(256)), isBinary: true };
    default:
      return { data: new Uint8Array(0), isBinary: random.int(2) === 0 };
  }
}

/** The runtime's (De)CompressionStream applied to `input`. */
async function through(stream: CompressionStream | DecompressionStream, input: Uint8Array): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  // A failure shows on the readable side; the writer's promises must not go unhandled (Deno exits on that).
  writer.write(input as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

/** One frame with RSV1 set (a compressed message), unmasked: for a client-role decoder. */
function compressedFrame(codec: Codec, payload: Uint8Array, isBinary: boolean): Uint8Array {
  const encoder = new codec.FrameEncoder({ role: 'server' });
  const frame = new Uint8Array(encoder.frameSize(payload.length));
  return frame.subarray(0, encoder.writeFrame(frame, 0, (isBinary ? OPCODE_BINARY : OPCODE_TEXT) | RSV1, payload));
}

/** The cases for `engine` in this runtime. */
export function deflateCases(codec: Codec, deflate: Deflate, engine: DeflateEngine, { seed, scale }: Options): AsyncCase[] {
  const cases: AsyncCase[] = [];
  const modes: DeflateMode[] = ['shared', 'dedicated'];
  for (const mode of modes) {
    for (const fromClient of [true, false]) {
      const caseSeed = seed ^ (mode === 'shared' ? 0x11 : 0x22) ^ (fromClient ? 0x100 : 0x200);
      cases.push({
        name: `${engine.name}: ${mode} round trips ${fromClient ? 'client to server' : 'server to client'} (seed ${caseSeed})`,
        async run() {
          const random = new Random(caseSeed);
          for (let round = 0; round < Math.ceil(12 * scale); round++) {
            const ends = agreement(deflate, engine, mode, 9 + random.int(7), 8 + random.int(8));
            const [sender, receiver] = fromClient ? [ends.client, ends.server] : [ends.server, ends.client];
            const encoder = new codec.FrameEncoder({ role: fromClient ? 'client' : 'server', deflate: sender });
            const expected: Event[] = [];
            for (let i = random.int(6); i >= 0; i--) {
              const { data, isBinary } = randomMessage(random);
              encoder.compressed(data, { binary: isBinary, fragmentSize: random.int(2) ? undefined : 1 + random.int(3000) });
              expected.push({ kind: 'message', data, isBinary });
            }
            const what = `round ${round}, ${JSON.stringify(ends.params)}`;
            checkEvents(decode(codec, chunks(random, encoder.flush()), fromClient ? 'server' : 'client', 0, receiver), expected, what);
            sender.close();
            receiver.close();
          }
        },
      });
    }
    cases.push({
      name: `${engine.name}: ${mode}, ours to DecompressionStream('deflate-raw') (seed ${seed})`,
      async run() {
        const random = new Random(seed ^ 0x33);
        const { client } = agreement(deflate, engine, mode, 15, 15);
        const messages = Array.from({ length: 6 }, () => randomMessage(random).data);
        const payloads = messages.map((data) => client.compress(data));
        if (mode === 'shared') {
          for (const [i, payload] of payloads.entries()) {
            checkBytes(await through(new DecompressionStream('deflate-raw'), concat([payload, TRAILER, END])), messages[i], `message ${i}`);
          }
        } else {
          // Context takeover: the messages are one DEFLATE stream, each closed by its sync flush.
          const stream = concat([...payloads.flatMap((payload) => [payload, TRAILER]), END]);
          checkBytes(await through(new DecompressionStream('deflate-raw'), stream), concat(messages), 'all messages');
        }
        client.close();
      },
    });
  }
  cases.push({
    name: `${engine.name}: CompressionStream('deflate-raw') to ours, no context takeover (seed ${seed})`,
    async run() {
      const random = new Random(seed ^ 0x44);
      const { client } = agreement(deflate, engine, 'shared', 15, 15);
      const frames: Uint8Array[] = [];
      const expected: Event[] = [];
      for (let i = 0; i < 6; i++) {
        const { data, isBinary } = randomMessage(random);
        // A complete stream (its last block has BFINAL set), which RFC 7692 §7.2.3.4 allows in a message.
        frames.push(compressedFrame(codec, await through(new CompressionStream('deflate-raw'), data), isBinary));
        expected.push({ kind: 'message', data, isBinary });
      }
      checkEvents(decode(codec, chunks(random, concat(frames)), 'client', 0, client), expected, 'CompressionStream messages');
      client.close();
    },
  });
  cases.push({
    // The module loads in every runtime the vectors run in (workerd imports it as a file: #deflate-wasm), and a
    // message it compresses differs from zlib's own bytes at the same level (its trees and matches are its own).
    name: `${engine.name}: the WASM module compresses its share (without context takeover, up to ${engine.wasmMax?.compress ?? 0} bytes)`,
    async run() {
      const text = new TextEncoder().encode(JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ id: i, user: `user${i % 7}`, tags: ['alpha', 'beta'] }))));
      check(text.length <= (engine.wasmMax?.compress ?? 0), () => `a ${text.length}-byte message is past the module's share`);
      const { client, server } = agreement(deflate, engine, 'shared', 15, 15);
      const ours = server.compress(text);
      const zlib = engine.deflater(deflate.resolveDeflateOptions({ mode: 'shared' })!.level, 8, 15);
      const out = new Uint8Array(64 * 1024);
      check(zlib.step(text, 0, out, true), () => 'zlib refused the message');
      const zlibBytes = out.subarray(0, zlib.produced - TRAILER.length);
      zlib.close();
      check(ours.length !== zlibBytes.length || ours.some((byte, i) => byte !== zlibBytes[i]), () => `the message was compressed to zlib's ${zlibBytes.length} bytes: the WASM module did not run`);
      checkBytes(client.decompress(ours, 0) as Uint8Array, text, 'the WASM module\'s message inflated');
    },
  });
  cases.push({
    name: `${engine.name}: limits (zip bomb 1009 at maxPayload, bad data and invalid UTF-8 1007)`,
    async run() {
      for (const mode of modes) {
        const { client, server } = agreement(deflate, engine, mode, 15, 15);
        const bomb = server.compress(new Uint8Array(16 * 1024 * 1024));
        // zlib builds differ (Node 73 KB at level 1, Deno and Bun 162 KB): a bomb either way.
        check(bomb.length < 256 * 1024, () => `16 MiB of zeros compressed to ${bomb.length} bytes`);
        checkEvents(decode(codec, [compressedFrame(codec, bomb, true)], 'client', 1024 * 1024, client), [{ kind: 'error', closeCode: 1009 }], `${mode}: zip bomb`);
        client.close();
        server.close();
      }
      const fresh = (): MessageDeflate => agreement(deflate, engine, 'shared', 15, 15).client;
      checkEvents(decode(codec, [compressedFrame(codec, new Uint8Array([0xff, 0xff, 0xff]), true)], 'client', 0, fresh()), [{ kind: 'error', closeCode: 1007 }], 'invalid DEFLATE data');
      const sender = agreement(deflate, engine, 'shared', 15, 15).server;
      const notUtf8 = sender.compress(new Uint8Array([0x61, 0xc3, 0x28]));
      checkEvents(decode(codec, [compressedFrame(codec, notUtf8, false)], 'client', 0, fresh()), [{ kind: 'error', closeCode: 1007 }], 'compressed invalid UTF-8 text');
      checkEvents(decode(codec, [compressedFrame(codec, notUtf8, true)], 'client', 0, fresh()), [{ kind: 'message', data: new Uint8Array([0x61, 0xc3, 0x28]), isBinary: true }], 'the same bytes as binary');
    },
  });
  return cases;
}

/**
 * Runs the deflate cases on the runtime's own engine (`deflateEngine()`) and
 * on pako; never throws. `engine` is the name of the one the runtime picked.
 */
export async function runDeflate(codec: Codec, deflate: Deflate, options: Options): Promise<{ engine: string; passed: string[]; failed: { name: string; error: string }[] }> {
  const passed: string[] = [];
  const failed: { name: string; error: string }[] = [];
  const picked = await deflate.deflateEngine();
  const engines = picked.name === 'pako' ? [picked] : [picked, await deflate.deflateEngine('pako')];
  for (const engine of engines) {
    for (const test of deflateCases(codec, deflate, engine, options)) {
      try {
        await test.run();
        passed.push(test.name);
      } catch (error) {
        failed.push({ name: test.name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    }
  }
  return { engine: picked.name, passed, failed };
}
