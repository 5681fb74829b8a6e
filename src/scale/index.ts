/**
 * wsframe/scale: fan-out beyond one process. Worker processes on one machine
 * (`runWorkers`, `WorkerAdapter`), servers on several machines joined by Redis
 * (`createRedisAdapter`), and the relay server behind `wsframe relay`. Topics
 * themselves (`ws.subscribe`, `server.publish`) are in wsframe/server. See
 * docs/scaling.md.
 */
export type { Adapter, AdapterHost } from './adapter.js';
export {
  createRedisAdapter, RedisAdapter, PublishError, DEFAULT_MAX_PENDING, DEFAULT_HEALTH_CHECK, MIN_HEALTH_CHECK, type RedisAdapterOptions, type RedisConnection, type RedisConnectionState, type RedisAdapterState,
} from './redis.js';
export {
  runWorkers, startWorkerPool, reportListening, workerListenOptions, hasReusePort, WorkerAdapter, WorkerPool, type WorkersOptions, type Balance,
} from './workers.js';
export { createRelayServer, topicOf } from './relay.js';
