// A server-side WebSocket of one wsframe build echoing in process, with no socket: what
// bench/support/echo-inproc.mjs and compare-builds' in-process echo workload time. The
// connection is attached to a Duplex that discards its writes; they complete synchronously,
// as a plain socket's do when the kernel takes every byte, so the connection is told to
// treat it as one: sends take the fast path into the reused batch buffer, as in the real server.
import { Duplex } from 'node:stream';

/**
 * A connection of `WebSocket` (a build's server class) whose 'message' listener is `listen(ws)`'s
 * result; returns `onRead(length)`, which decodes `length` bytes the caller placed in the build's
 * I/O region as a socket read does.
 */
export function inprocEcho(WebSocket, listen) {
  const sink = new Duplex({ read() {}, write(chunk, enc, cb) { cb(); } });
  sink.setNoDelay = () => {};
  sink.setTimeout = () => {};
  const ws = new WebSocket();
  ws._connection.attach(sink, { role: 'server', protocol: '', extension: null, head: new Uint8Array(0), options: {}, tracker: null, budget: null });
  ws.on('message', listen(ws));
  const conn = ws._connection;
  conn.plainSocket = true; // the send fast path and batch reuse (see above); the field is private in TypeScript only
  // Bound, not wrapped: a call site here would see every build's Connection when several builds share this module.
  return conn.onRead.bind(conn);
}
