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
export function startRedis(port?: number): Promise<RedisProcess>;
export function redisVersion(): string;
