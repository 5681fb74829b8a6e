// The C twin of echo-load.mjs's closed loop (echo-load.c), for
// echo-profile.mjs's ECHO_LOAD=c: compiled with the system's `cc` on first use
// into node_modules/.cache (again when the source is newer), started pinned
// like the JavaScript generator. It answers like a Bun child, one JSON object
// per stdout line, and starts its measured window on SIGUSR1 (no Node IPC).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { root } from '../../scripts/runtimes/tools.mjs';
import { childInbox } from './child-inbox.mjs';
import { maskedFrame } from './payloads.mjs';

const source = new URL('echo-load.c', import.meta.url).pathname;
const cacheDir = join(root, 'node_modules', '.cache', 'wsframe-bench');
const executable = join(cacheDir, 'echo-load');

/** The compiled generator's path, compiling it when it is missing or older than its source. */
function compiled() {
  let stale = true;
  try {
    stale = statSync(executable).mtimeMs < statSync(source).mtimeMs;
  } catch {}
  if (stale) {
    mkdirSync(cacheDir, { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', executable, source], { stdio: 'inherit' });
  }
  return executable;
}

/**
 * Starts the C load generator on `core` against 127.0.0.1:`port`: `connections` × `window` messages of `size`
 * bytes of `kind` in flight, `warmupMs` of warm-up, then `seconds` measured after `go()`. Returns its inbox
 * (child-inbox.mjs: 'warm', then the result, as echo-load.mjs's) and `go`.
 */
export function launchNativeLoad(core, { port, connections, window, size, kind, warmupMs, seconds }) {
  const dir = mkdtempSync(join(os.tmpdir(), 'wsframe-echo-load-'));
  const frameFile = join(dir, 'frame.bin');
  writeFileSync(frameFile, maskedFrame(kind, size));
  const args = [compiled(), port, connections, window, frameFile, size, warmupMs, seconds].map(String);
  const proc = spawn('taskset', ['-c', String(core), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  proc.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { ...childInbox(proc, 'echo-load (C)'), go: () => proc.kill('SIGUSR1') };
}
