// The message queue of a benchmark's child process (a server, a load
// generator), in one place: echo.bench.mjs, hostile.bench.mjs and
// child-processes.mjs (fan-out, deflate, scale) each kept a copy, and the
// copies had drifted (only one failed a run whose child died before
// answering; the others hung).

/**
 * Queues what child `proc` says: its IPC messages and, where its stdout is a
 * pipe (Bun, which speaks no Node IPC here), one JSON object per stdout line.
 * `next()` resolves with the next message in order. A `next()` still waiting
 * when the child has gone (its stdio closed, so nothing more can come) is
 * rejected, so that a child that dies fails the run instead of hanging it.
 * @param {import('node:child_process').ChildProcess} proc
 * @param {string} name what the rejection calls the child (its command)
 * @returns {{ proc: import('node:child_process').ChildProcess, exited: Promise<number | null>,
 *   next: () => Promise<any>, ask: (message: unknown) => Promise<any>, stop: () => Promise<number | null> }}
 *   `exited` resolves with the exit code; `ask(message)` sends `message` over IPC and resolves with the next message;
 *   `stop()` sends a child with IPC 'exit' (the servers and idle clients in bench/support exit on it), ends one
 *   without IPC (Bun) with SIGTERM, and resolves once it has exited.
 */
export function childInbox(proc, name) {
  const inbox = [];
  const waiters = [];
  const deliver = (m) => (waiters.length ? waiters.shift().resolve(m) : inbox.push(m));
  proc.on('message', deliver);
  if (proc.stdout) {
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
  // 'close' comes after 'exit' and after the last stdout line and IPC message: only then is an answer certain not to come.
  proc.once('close', (code, signal) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${name} exited (${code ?? signal}) before answering`));
  });
  const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve, reject) => waiters.push({ resolve, reject })));
  const stop = () => {
    if (proc.channel) proc.send('exit');
    else proc.kill('SIGTERM');
    return exited;
  };
  return { proc, exited, next, ask: (message) => (proc.send(message), next()), stop };
}
