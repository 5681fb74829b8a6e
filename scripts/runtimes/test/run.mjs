// npm run test:runtimes: the shared test vectors (test/support/vectors) inside Deno,
// Bun, Cloudflare workerd and Chromium, under each implementation (detected
// default, scalar WASM, pure JS), detection in engines without WASM SIMD or
// without WebAssembly, a real browser WebSocket against an echo server, and
// permessage-deflate on the engine each runtime picks (and on pako) against
// the runtime's own CompressionStream/DecompressionStream. Installs what is missing; fails if any runtime fails or is missing.
// WSFRAME_SEED overrides the seed of the random sample.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launchChromium, inPage, websocketEcho } from '../browser.mjs';
import { bundle } from '../bundle.mjs';
import { startEchoServer } from '../echo-server.mjs';
import { startFrameTap } from '../frame-tap.mjs';
import { binary } from '../tools.mjs';
import { workerdTest } from '../workerd.mjs';

const exec = promisify(execFile);
const MARK = '@@wsframe-result ';
const SEED = Number(process.env.WSFRAME_SEED ?? 0x5eed_0006);

/** Forced implementations; undefined = detection, which must pick SIMD WASM in every runtime tested. */
const IMPLEMENTATIONS = [undefined, 'wasm', 'js'];
const expected = (forced) => forced ?? 'wasm-simd';

const rows = [];

function parse(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`no result line in output:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(MARK.length));
}

/** Runs one report-producing `body` and records a row; `want` is the implementation it must have used. */
async function job(label, want, body) {
  try {
    const result = await body();
    const problems = result.failed.map((f) => `${f.name}: ${f.error}`);
    if (result.implementation !== want) problems.unshift(`implementation ${result.implementation}, expected ${want}`);
    rows.push({ label, ok: problems.length === 0, detail: `${result.passed.length} passed, ${result.failed.length} failed, ${result.implementation}, ${result.ms} ms (${result.runtime})`, problems });
  } catch (error) {
    rows.push({ label, ok: false, detail: 'did not run', problems: [String(error?.stack ?? error)] });
  }
}

const label = (runtime, forced) => `${runtime} [${forced ?? 'detected'}]`;

/** Deno or Bun: `command()` gives the command line (finding or installing the binary). */
async function cliRuntime(name, command) {
  const dir = await bundle({ name: 'cli', entry: 'scripts/runtimes/test/cli.mjs', target: 'cli', seed: SEED });
  for (const forced of IMPLEMENTATIONS) {
    await job(label(name, forced), expected(forced), async () => {
      const env = { ...process.env, WSFRAME_IMPLEMENTATION: forced ?? '' };
      const [file, ...args] = command();
      const run = await exec(file, [...args, join(dir, 'cli.mjs')], { env, maxBuffer: 64 << 20, timeout: 120_000 }).catch((error) => error);
      return parse(run.stdout ?? '');
    });
  }
}

async function workerd() {
  for (const forced of IMPLEMENTATIONS) {
    await job(label('workerd', forced), expected(forced), async () => {
      const dir = await bundle({ name: `workerd-${forced ?? 'detected'}`, entry: 'scripts/runtimes/test/worker.mjs', target: 'workerd', implementation: forced, seed: SEED });
      const run = await workerdTest(dir, 'worker.mjs');
      return parse(run.stdout + run.stderr);
    });
  }
}

async function workerdLazy() {
  // Loaded inside a handler, where workerd forbids compiling bytes: the
  // workerd condition's .wasm modules still give SIMD; the plain browser
  // bundle (embedded bytes) falls back to pure JS instead of failing.
  for (const [target, want] of [['workerd', 'wasm-simd'], ['browser-esm', 'js']]) {
    await job(`workerd, loaded in a handler, ${target === 'workerd' ? 'workerd condition' : 'browser bundle'}`, want, async () => {
      const dir = await bundle({ name: `workerd-lazy-${target}`, entry: 'scripts/runtimes/test/worker-lazy.mjs', target, seed: SEED });
      const run = await workerdTest(dir, 'worker-lazy.mjs');
      return parse(run.stdout + run.stderr);
    });
  }
}

async function chromium() {
  let browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    rows.push({ label: 'chromium', ok: false, detail: 'could not launch', problems: [String(error)] });
    return;
  }
  try {
    const dir = await bundle({ name: 'browser', entry: 'scripts/runtimes/test/browser.mjs', target: 'browser', seed: SEED });
    for (const forced of IMPLEMENTATIONS) {
      await job(label('chromium', forced), expected(forced), () => inPage(browser, join(dir, 'browser.js'), forced, (page) => page.evaluate(() => globalThis.wsframeTests.run())));
    }
    const server = await startEchoServer();
    try {
      const result = await websocketEcho(browser, server);
      rows.push({ label: 'chromium WebSocket echo', ok: result.failures.length === 0, detail: `${result.messages} messages via ${server.name}`, problems: result.failures });
    } catch (error) {
      rows.push({ label: 'chromium WebSocket echo', ok: false, detail: 'did not run', problems: [String(error)] });
    } finally {
      await server.close();
    }
    await chromiumDeflate(browser);
  } finally {
    await browser.close();
  }
}

/** The deflate engine each runtime must pick: node:zlib where the runtime has it, pako elsewhere. */
const DEFLATE_ENGINES = { deno: 'node:zlib', bun: 'node:zlib', workerd: 'pako', chromium: 'pako' };

/** permessage-deflate in each runtime (test/support/vectors/deflate.ts). */
async function deflate() {
  const cli = await bundle({ name: 'deflate-cli', entry: 'scripts/runtimes/test/deflate-cli.mjs', target: 'cli', seed: SEED });
  for (const [name, command] of [['deno', () => [binary('deno'), 'run', '--allow-env=WSFRAME_IMPLEMENTATION']], ['bun', () => [binary('bun')]]]) {
    await job(`${name} permessage-deflate`, DEFLATE_ENGINES[name], async () => {
      const [file, ...args] = command();
      const run = await exec(file, [...args, join(cli, 'deflate-cli.mjs')], { maxBuffer: 64 << 20, timeout: 120_000 }).catch((error) => error);
      return parse(`${run.stdout ?? ''}${run.stderr ?? ''}`);
    });
  }
  await job('workerd permessage-deflate', DEFLATE_ENGINES.workerd, async () => {
    const dir = await bundle({ name: 'deflate-workerd', entry: 'scripts/runtimes/test/deflate-worker.mjs', target: 'workerd', seed: SEED });
    const run = await workerdTest(dir, 'deflate-worker.mjs');
    return parse(run.stdout + run.stderr);
  });
  await job('chromium permessage-deflate', DEFLATE_ENGINES.chromium, async () => {
    const browser = await launchChromium();
    try {
      const dir = await bundle({ name: 'deflate-browser', entry: 'scripts/runtimes/test/deflate-browser.mjs', target: 'browser', seed: SEED });
      return await inPage(browser, join(dir, 'deflate-browser.js'), undefined, (page) => page.evaluate(() => globalThis.wsframeDeflate.run()));
    } finally {
      await browser.close();
    }
  });
}

/**
 * Chromium's WebSocket, which offers `permessage-deflate; client_max_window_bits`,
 * against the server with deflate on (threshold 0), in both modes, through a
 * frame tap: the extension must be agreed, every message echoed intact, and
 * every message compressed (RSV1) both ways.
 */
async function chromiumDeflate(browser) {
  for (const mode of ['shared', 'dedicated']) {
    const label = `chromium WebSocket echo, permessage-deflate ${mode}`;
    const server = await startEchoServer({ perMessageDeflate: { mode, threshold: 0 } });
    const tap = await startFrameTap(server.port);
    try {
      const origin = `127.0.0.1:${tap.port}`;
      const result = await websocketEcho(browser, { url: `ws://${origin}/`, page: `http://${origin}/` });
      const problems = [...result.failures];
      if (!/^permessage-deflate(;|$)/.test(result.extensions)) problems.push(`extensions '${result.extensions}': permessage-deflate not agreed`);
      for (const [way, c] of [['sent', tap.sent], ['received', tap.received]]) {
        if (c.messages !== result.messages || c.compressed !== c.messages) problems.push(`${way}: ${c.compressed} of ${c.messages} messages compressed, expected all ${result.messages}`);
      }
      rows.push({ label, ok: problems.length === 0, detail: `${result.messages} messages, '${result.extensions}', compressed both ways (${tap.sent.payloadBytes} B sent, ${tap.received.payloadBytes} B received on the wire)`, problems });
    } catch (error) {
      rows.push({ label, ok: false, detail: 'did not run', problems: [String(error)] });
    } finally {
      await tap.close();
      await server.close();
    }
  }
}

/**
 * Detection in engines that really lack the features, not stubs: V8 without
 * SSE4.1 and JavaScriptCore with WASM SIMD off have no WASM SIMD (so the
 * scalar build must be picked), and V8 with --jitless has no WebAssembly at
 * all (pure JS; a smaller sample, as the interpreter is slow).
 */
async function detection() {
  const engines = [
    ['node --no-enable-sse4-1 (no WASM SIMD)', () => [process.execPath, '--no-enable-sse4-1'], {}, 'wasm', 1],
    ['bun with BUN_JSC_useWasmSIMD=false (no WASM SIMD)', () => [binary('bun')], { BUN_JSC_useWasmSIMD: 'false' }, 'wasm', 1],
    ['node --jitless (no WebAssembly)', () => [process.execPath, '--jitless'], {}, 'js', 0.1],
  ];
  for (const [name, command, extraEnv, want, scale] of engines) {
    await job(name, want, async () => {
      const dir = await bundle({ name: `cli-${want}-${scale}`, entry: 'scripts/runtimes/test/cli.mjs', target: 'cli', seed: SEED, scale });
      const env = { ...process.env, ...extraEnv, WSFRAME_IMPLEMENTATION: '' };
      const [file, ...args] = command();
      const run = await exec(file, [...args, join(dir, 'cli.mjs')], { env, maxBuffer: 64 << 20, timeout: 120_000 }).catch((error) => error);
      return parse(run.stdout ?? '');
    });
  }
  await job('chromium --js-flags=--no-enable-sse4-1 (no WASM SIMD)', 'wasm', async () => {
    const browser = await launchChromium(['--js-flags=--no-enable-sse4-1']);
    try {
      const dir = await bundle({ name: 'browser-nosimd', entry: 'scripts/runtimes/test/browser.mjs', target: 'browser', seed: SEED });
      return await inPage(browser, join(dir, 'browser.js'), undefined, (page) => page.evaluate(() => globalThis.wsframeTests.run()));
    } finally {
      await browser.close();
    }
  });
}

const started = Date.now();
await cliRuntime('deno', () => [binary('deno'), 'run', '--allow-env=WSFRAME_IMPLEMENTATION']);
await cliRuntime('bun', () => [binary('bun')]);
await workerd();
await workerdLazy();
await chromium();
await detection();
await deflate();

for (const row of rows) {
  console.log(`${row.ok ? 'PASS' : 'FAIL'}  ${row.label}: ${row.detail}`);
  for (const problem of row.problems) console.log(`      ${problem.split('\n').join('\n      ')}`);
}
const failed = rows.filter((row) => !row.ok).length;
console.log(`runtimes: ${rows.length - failed} passed, ${failed} failed (seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exitCode = failed ? 1 : 0;
