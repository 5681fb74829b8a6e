// wsframe's echo server on N worker processes serving one port (runWorkers),
// for bench/scale.bench.mjs:   node echo-workers.mjs <workers>
// Reports { port } over IPC once every worker listens; runs until killed.
import { createEchoServer } from '../../build/esm/server/echo.js';
import { reportListening, runWorkers, workerListenOptions } from '../../build/esm/scale/index.js';

const pool = runWorkers({ workers: Number(process.argv[2]), port: 0 }, () => {
  const server = createEchoServer({ ...workerListenOptions(0), host: '127.0.0.1' }, () => {
    reportListening('127.0.0.1', server.address().port);
  });
});
pool?.on('listening', (address, port) => process.send({ port, balance: pool.balance }));
