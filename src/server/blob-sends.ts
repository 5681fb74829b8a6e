/**
 * Sending a `Blob`, as ws 8.18+ does: its bytes are read asynchronously, and
 * everything sent after it (data, pings, pongs, the close frame) waits until
 * they are sent, so the peer receives messages in send order. A connection
 * that never sends a Blob never creates one of these.
 */
import type { Connection } from './connection.js';
import type { SendCallback } from './frames.js';

/** One send waiting its turn: a Blob to read first, or bytes sent after one. */
interface Held {
  data: Uint8Array | Blob;
  /** Counted in `bufferedAmount` until sent (ws counts a Blob's `size`). */
  readonly bytes: number;
  readonly send: (payload: Uint8Array) => void;
  readonly cb: SendCallback | undefined;
}

/** Whether `data` is a Blob (or a File), which `send`, `ping` and `pong` read before sending. */
export function isBlob(data: unknown): data is Blob {
  return typeof Blob === 'function' && data instanceof Blob;
}

/**
 * The sends of one connection from its first unsent Blob on, in order. While
 * any wait, the connection's close frame waits too (`holdClose`).
 */
export class BlobSends {
  private readonly held: Held[] = [];
  /** Bytes waiting here, for `bufferedAmount`. */
  bytes = 0;

  /**
   * @param connection the connection sending them
   * @param fail reports a Blob that could not be read (ws: 'error', then the connection ends)
   */
  constructor(
    private readonly connection: Connection,
    private readonly fail: (error: Error) => void,
  ) {}

  /** Whether sends are waiting: a later send must wait behind them. */
  get waiting(): boolean {
    return this.held.length > 0;
  }

  /** Queues a send: `send` runs with its bytes once every earlier send has run (and a Blob has been read). */
  push(data: Uint8Array | Blob, cb: SendCallback | undefined, send: (payload: Uint8Array) => void): void {
    const bytes = isBlob(data) ? data.size : data.length;
    this.held.push({ data, bytes, send, cb });
    this.bytes += bytes;
    if (this.held.length === 1) {
      this.connection.holdClose();
      this.next();
    }
  }

  /** Sends what is ready, up to the next Blob, which it starts reading. */
  private next(): void {
    const held = this.held;
    while (held.length > 0) {
      const first = held[0];
      const data = first.data;
      if (isBlob(data)) {
        data.arrayBuffer().then(
          (bytes) => {
            first.data = new Uint8Array(bytes);
            this.next();
          },
          (error: Error) => process.nextTick(() => this.drop(error, true)),
        );
        return;
      }
      const socket = this.connection.socket;
      if (socket === null || socket.destroyed) {
        // Callbacks run on the next tick, as ws's, so that what they throw is not caught by the read's promise.
        process.nextTick(() => this.drop(new Error('The socket was closed while the blob was being read'), false));
        return;
      }
      held.shift();
      this.bytes -= first.bytes;
      first.send(data);
    }
    this.connection.releaseClose();
  }

  /** Nothing more can be sent: every waiting callback gets `error`; a failed read is reported as well. */
  private drop(error: Error, readFailed: boolean): void {
    const held = this.held.splice(0);
    this.bytes = 0;
    for (const { cb } of held) cb?.(error);
    this.connection.releaseClose();
    if (readFailed) this.fail(error);
  }
}
