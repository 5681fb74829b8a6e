// WORKERS (default 2) worker processes under the built startWorkerPool, each a server with a WorkerAdapter that a
// test client drives with text commands (test/scale/workers-subscribed.test.ts):   node subscribing-workers.mjs [WORKERS]
// Prints `listening on ws://127.0.0.1:PORT` once all workers listen; SIGTERM stops the pool.
//
// A new connection is told its worker's `pid <pid>`. Commands (space-separated), and what the worker answers:
//   publish TOPIC TEXT     server.publish(TOPIC, TEXT) in this worker
//   join TOPIC [BYTES]     (BYTES of ballast first, below) ws.subscribe(TOPIC), then the outcome of subscribed(TOPIC)
//   subscribed TOPIC       the outcome of adapter.subscribed(TOPIC) alone
//   brief TOPIC            ws.subscribe(TOPIC), subscribed(TOPIC), ws.unsubscribe(TOPIC): the outcome
//   rejoin TOPIC BYTES     ws.subscribe, subscribed, ws.unsubscribe, BYTES of ballast, ws.subscribe, subscribed: both outcomes
//   close TOPIC            ws.subscribe(TOPIC), subscribed(TOPIC), adapter.close(): the outcome
//   leave                  adapter.close(), then (a round trip to the primary: it has handled the close) `closed`
//   heard                  (a round trip to the primary: what it sent before has arrived) `heard N`: N messages tagged
//                          'wsframe:topics' (the adapter's) reached this worker since its adapter closed
//   disconnect TOPIC       disconnects from the primary, then: the outcome of subscribed(TOPIC), and of a new
//                          subscriber's ws.subscribe('after'), subscribed('after'); then the worker stops serving.
//                          With reusePort only (the worker's own socket: the disconnect does not wait for connections)
// An outcome is `subscribed TOPIC` (resolved) or `rejected TOPIC MESSAGE`.
//
// Ballast: one IPC message of BYTES to the primary (which ignores it, but has to read it), sent just before the
// subscribe on the same ordered channel: the subscribe reaches the primary late, as behind a worker's heavy
// publishing, while the other worker's channel is clear. All in one turn: no acknowledgement can arrive between.
//
// Round trip: a message to the primary, which sends it back (the pool ignores it). Each IPC channel is ordered both
// ways, so when it is back the primary has handled all this worker sent before, and all it sent here has arrived.
import cluster from 'node:cluster';
import { createServer } from '../../build/esm/server/index.js';
import { reportListening, runWorkers, workerListenOptions } from '../../build/esm/scale/index.js';

const pool = runWorkers({ workers: Number(process.argv[2] ?? 2), port: 0 }, (adapter) => {
  const roundTrips = [];
  let adapterClosed = false;
  let heardSinceClose = 0;
  process.on('message', (message) => {
    if (message?.roundTrip === true) roundTrips.shift()();
    else if (adapterClosed && typeof message === 'object' && message !== null && 'wsframe:topics' in message) heardSinceClose++;
  });
  const roundTrip = (then) => {
    roundTrips.push(then);
    process.send({ roundTrip: true });
  };
  const close = () => {
    void adapter.close();
    adapterClosed = true;
  };
  const server = createServer({ ...workerListenOptions(0), host: '127.0.0.1', adapter }, () => {
    reportListening('127.0.0.1', server.address().port);
  });
  server.on('connection', (ws) => {
    ws.send(`pid ${process.pid}`);
    const outcome = (topic) => adapter.subscribed(topic).then(() => ws.send(`subscribed ${topic}`), (error) => ws.send(`rejected ${topic} ${error.message}`));
    const ballast = (bytes) => {
      if (bytes > 0) process.send({ ballast: new Uint8Array(bytes) });
    };
    ws.on('message', (data) => {
      const [command, topic, arg] = data.toString().split(' ');
      switch (command) {
        case 'publish':
          server.publish(topic, arg);
          break;
        case 'join':
          ballast(Number(arg ?? 0));
          ws.subscribe(topic);
          outcome(topic);
          break;
        case 'subscribed':
          outcome(topic);
          break;
        case 'brief':
          ws.subscribe(topic);
          outcome(topic);
          ws.unsubscribe(topic);
          break;
        case 'rejoin':
          ws.subscribe(topic);
          outcome(topic);
          ws.unsubscribe(topic);
          ballast(Number(arg));
          ws.subscribe(topic);
          outcome(topic);
          break;
        case 'close':
          ws.subscribe(topic);
          outcome(topic);
          close();
          break;
        case 'leave':
          close();
          roundTrip(() => ws.send('closed'));
          break;
        case 'heard':
          roundTrip(() => ws.send(`heard ${heardSinceClose}`));
          break;
        case 'disconnect':
          cluster.worker.disconnect();
          process.once('disconnect', async () => {
            await outcome(topic);
            ws.subscribe('after');
            await outcome('after');
            server.close(); // out of the pool now: stop serving, and exit
          });
          break;
      }
    });
  });
});
if (pool !== null) {
  pool.on('listening', (address, port) => process.stdout.write(`listening on ws://${address}:${port}\n`));
  process.once('SIGTERM', () => void pool.stop().then(() => process.exit(0)));
  // The primary's side of a round trip: back to the worker it came from.
  cluster.on('message', (worker, message) => {
    if (message?.roundTrip === true) worker.send(message);
  });
}
