/**
 * `createWebSocketStream`: a WebSocket as a Node `Duplex`, as ws offers it.
 * Messages become readable chunks; written chunks become binary messages.
 * Backpressure holds both ways: a full readable side pauses the connection's
 * reading (so TCP pushes back on the peer), and a write completes only when
 * its message has been handed to the socket.
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import { WebSocket } from './websocket.js';

/** Runs `then` once `ws` is open (at once if it is). */
function whenOpen(ws: WebSocket, then: () => void): void {
  if (ws.readyState === WebSocket.CONNECTING) ws.once('open', then);
  else then();
}

/**
 * Wraps `ws` in a Duplex. `options` are the Duplex's, except that object mode
 * applies to the readable side only (`readableObjectMode`: text messages are
 * read as strings). Ending the writable side starts the closing handshake;
 * destroying the stream terminates the connection.
 */
export function createWebSocketStream(ws: WebSocket, options: DuplexOptions = {}): Duplex {
  if (!(ws instanceof WebSocket)) throw new TypeError('The first argument must be a WebSocket');
  /** Destroying the stream terminates the connection, unless the connection failed first. */
  let terminate = true;
  const duplex = new Duplex({ ...options, autoDestroy: false, emitClose: false, objectMode: false, writableObjectMode: false });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!duplex.push(!isBinary && duplex.readableObjectMode ? data.toString() : data)) ws.pause();
  });
  ws.once('error', (error: Error) => {
    if (duplex.destroyed) return;
    terminate = false;
    duplex.destroy(error);
  });
  ws.once('close', () => {
    if (!duplex.destroyed) duplex.push(null);
  });

  duplex._read = () => {
    if (ws.isPaused) ws.resume();
  };

  duplex._write = (chunk: Buffer, _encoding, callback) => {
    whenOpen(ws, () => ws.send(chunk, callback));
  };

  duplex._final = (callback) => {
    whenOpen(ws, () => {
      const socket = ws._socket;
      // The handshake failed: nothing to finish, and its 'error' destroys the stream.
      if (socket === null) return;
      if (socket.writableFinished || socket.destroyed) {
        callback();
        if (duplex.readableEnded) duplex.destroy();
        return;
      }
      socket.once('finish', () => callback());
      ws.close();
    });
  };

  duplex._destroy = (error, callback) => {
    const done = (): void => {
      callback(error);
      process.nextTick(() => duplex.emit('close'));
    };
    if (ws.readyState === WebSocket.CLOSED) {
      done();
      return;
    }
    ws.once('close', done);
    if (terminate) ws.terminate();
  };

  // Both sides done: release the connection.
  duplex.on('end', () => {
    if (!duplex.destroyed && duplex.writableFinished) duplex.destroy();
  });
  return duplex;
}
