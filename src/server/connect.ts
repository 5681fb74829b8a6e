import type { ClientOptions } from './client.js';
import { WebSocket } from './websocket.js';

/** Opens a client connection; resolves once it is open, rejects if the handshake fails. */
export function connect(url: string | URL, options: ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const onError = (error: Error): void => reject(error);
    ws.once('error', onError);
    ws.once('open', () => {
      ws.off('error', onError);
      resolve(ws);
    });
  });
}
