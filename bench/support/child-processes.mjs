// Child processes for the benchmarks (fan-out, deflate, scale, echo): pinned
// to a core with taskset (where there are two cores and taskset), each with a
// queue of its messages (child-inbox.mjs).
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { childInbox } from './child-inbox.mjs';

/** Whether children are pinned to cores (two cores or more, and taskset). */
export const PIN = os.cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/**
 * Starts `command args` on `core`. Node children talk over IPC; others
 * (`ipc: false`, Bun) print one JSON object per stdout line. Returns
 * the child's inbox, `{ proc, exited, next(), ask(message) }` (child-inbox.mjs).
 */
export function launch(core, command, args, { ipc = true, env = {} } = {}) {
  const [file, argv] = PIN ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
  const proc = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', ipc ? 'inherit' : 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])] });
  return childInbox(proc, command);
}
