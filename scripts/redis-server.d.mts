/** Types of redis-server.mjs, for the TypeScript tests. */
export interface RedisProcess {
  port: number;
  url: string;
  pid: number;
  /** Ends redis-server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills redis-server at once (SIGKILL), as a crash would, and waits for it to exit. */
  kill(): Promise<void>;
}
export function redisServerBinary(): string;
export function freePort(): Promise<number>;
export function startRedis(port?: number, extraArgs?: string[]): Promise<RedisProcess>;
export interface RedisCluster {
  nodes: RedisProcess[];
  /** `redis://127.0.0.1:PORT` of every node. */
  urls: string[];
  /** The URL of the node that owns `key`'s hash slot. */
  nodeOf(key: string): string;
  /** `cluster_state` as node `index` reports it ('ok', 'fail'), or 'down' when it does not answer. */
  state(index: number): Promise<string>;
  /** Starts node `index` again (after its `kill()`) on its port with its nodes.conf; resolves once the cluster is ok. */
  restart(index: number): Promise<void>;
  /** Ends every node and removes the cluster's directory. */
  stop(): Promise<void>;
}
export function startRedisCluster(size?: number): Promise<RedisCluster>;
export function redisVersion(): string;
