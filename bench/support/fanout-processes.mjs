// Child processes for the fan-out benchmarks: pinned to a core with taskset
// (where there are two cores and taskset), each with a queue of its messages.
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';

const PIN = os.cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/**
 * Starts `command args` on `core`. Node children talk over IPC; others
 * (`ipc: false`, Bun) print one JSON object per stdout line. Returns
 * `{ proc, exited, next() }`: `next()` resolves with the next message.
 */
export function launch(core, command, args, { ipc = true, env = {} } = {}) {
  const [file, argv] = PIN ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
  const proc = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', ipc ? 'inherit' : 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])] });
  const inbox = [];
  const waiters = [];
  const deliver = (m) => (waiters.length ? waiters.shift().resolve(m) : inbox.push(m));
  proc.on('message', deliver);
  if (!ipc) {
    let text = '';
    proc.stdout.on('data', (chunk) => {
      text += chunk;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n')) {
        deliver(JSON.parse(text.slice(0, end)));
        text = text.slice(end + 1);
      }
    });
  }
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  exited.then((code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${command} exited (${code}) before answering`));
  });
  return {
    proc,
    exited,
    next: () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve, reject) => waiters.push({ resolve, reject }))),
  };
}
