// Live cursors (the WebSocket Handbook's chapter-4 demo) on wsframe/server:
// every visitor sees everyone's cursor move. Each page is a subscriber of the
// topic 'cursors'; a page's moves are published to every other page.
//
//   node examples/cursors/server.mjs [--port 8080] [--redis redis://127.0.0.1:6379]
//
// With --redis, run it twice (two ports, or two machines behind a load
// balancer): both servers share one room through Redis.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createServer } from 'wsframe/server';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' }, redis: { type: 'string' } } });
const page = readFileSync(new URL('index.html', import.meta.url));
const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#469990'];

let adapter;
if (values.redis) {
  const { createRedisAdapter } = await import('wsframe/scale');
  adapter = await createRedisAdapter({ url: values.redis });
  adapter.on('down', (connection) => console.warn(`redis: ${connection} connection lost, reconnecting`));
  adapter.on('ready', () => console.warn('redis: both connections up'));
  // Each failed reconnection attempt is an 'error' too (10 a second per connection): log errors only while connected.
  adapter.on('error', (error) => {
    if (adapter.isReady) console.error(`redis: ${error.message}`);
  });
}

const web = http.createServer((req, res) => {
  if (req.url === '/' || req.url === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  } else {
    res.writeHead(404).end();
  }
});
// Heartbeat: pings every 15 s end connections whose peer vanished without closing.
const wss = createServer({ server: web, adapter, heartbeat: 15_000 });

wss.on('connection', async (ws) => {
  const id = Math.random().toString(36).slice(2, 8);
  const color = COLORS[Math.floor(Math.random() * COLORS.length)];
  ws.subscribe('cursors');
  ws.on('message', (data) => {
    let move;
    try {
      move = JSON.parse(data);
    } catch {
      return;
    }
    // Positions are fractions of the page (0..1): anything else is dropped.
    if (!(move.x >= 0 && move.x <= 1 && move.y >= 0 && move.y <= 1)) return;
    ws.publish('cursors', JSON.stringify({ type: 'move', id, color, x: move.x, y: move.y }));
  });
  ws.on('close', () => wss.publish('cursors', JSON.stringify({ type: 'gone', id })));
  // The welcome means "joined": with Redis, it waits until Redis has confirmed this server's subscription to
  // 'cursors' (ws.subscribe requested it), since moves from other servers' pages published before that would not
  // reach this page. It rejects if the room emptied meanwhile (this page left) or the adapter closed: no welcome.
  try {
    await adapter?.subscribed('cursors');
  } catch {
    return;
  }
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'welcome', id, color }));
});

web.listen(Number(values.port), values.host, () => {
  const { address, port } = web.address();
  console.log(`Live cursors: http://${address}:${port}/${values.redis ? ` (sharing the room through ${values.redis})` : ''}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    wss.close();
    web.close();
    adapter?.close();
    setTimeout(() => process.exit(0), 500).unref();
  });
}
