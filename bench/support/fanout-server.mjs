// A fan-out relay for bench/fanout.bench.mjs, one of:
//   node fanout-server.mjs wsframe   wsframe's relay (ws.subscribe / ws.publish: framed once per message)
//   node fanout-server.mjs ws        ws, the idiomatic way: on message, a loop over wss.clients with send
// Every client is a subscriber of the one topic; a message goes to every client
// but its sender. Reports {port} over IPC once listening; runs until killed.
import { createRequire } from 'node:module';

const kind = process.argv[2];
let port;
if (kind === 'wsframe') {
  const { createRelayServer } = await import('../../build/esm/scale/relay.js');
  const server = createRelayServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  port = server.address().port;
} else if (kind === 'ws') {
  const { WebSocketServer } = createRequire(import.meta.url)('ws');
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      for (const client of wss.clients) if (client !== ws && client.readyState === 1) client.send(data, { binary: isBinary });
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  port = wss.address().port;
} else {
  throw new Error(`unknown server kind ${kind}`);
}
process.send({ port });
