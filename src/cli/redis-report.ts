/**
 * What `wsframe relay --redis` tells the operator about Redis. node-redis
 * retries a lost connection every 100 ms and each failed attempt is an error,
 * on each of the adapter's two connections: printing them all is 20 lines a
 * second for as long as Redis is away. So an outage reads as a few lines:
 * each connection going down (with the error that took it down and what that
 * loses), each other error message once, each connection coming back, and the
 * end of the outage with what it cost (errors, dropped publishes). A long
 * outage also gets one reminder line every `reminder` ms, so a log read
 * later shows it was still going on.
 */
import { PublishError, type RedisAdapter, type RedisConnection } from '../scale/redis.js';

/** Default `reminder` of `reportRedis`, in ms: a "still down" line every 30 s of an outage. */
export const DEFAULT_REMINDER = 30_000;

/** What each connection's outage loses, as the operator sees it. */
const LOSS: Record<RedisConnection, string> = {
  publish: 'messages sent here do not reach other relays until it is back',
  subscribe: 'messages sent on other relays do not arrive here until it is back',
};

/** One outage: from the first error while a connection is down to both being ready again. */
interface Outage {
  readonly start: number;
  /** Errors other than dropped publishes (every failed reconnection attempt is one). */
  errors: number;
  /** Publishes dropped while the publishing connection was down. */
  dropped: number;
  /** Error messages already printed (or given on a down line): their repeats are only counted. */
  readonly printed: Set<string>;
  /** The latest error's message, for the down line it precedes (node-redis emits 'error' before reconnecting). */
  cause?: string;
  /** The "still down" reminder's timer, from the first 'down' to the end of the outage. */
  reminder?: NodeJS.Timeout;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** An outage's cost so far: `<n> errors, <m> publishes dropped`. */
function totals(outage: Outage): string {
  return `${count(outage.errors, 'error', 'errors')}, ${count(outage.dropped, 'publish', 'publishes')} dropped`;
}

function secondsSince(start: number): string {
  return `${((Date.now() - start) / 1000).toFixed(1)} s`;
}

/**
 * Prints, through `log` (one line, no newline), what an operator needs to know of `adapter`'s Redis connections:
 * - `publish connection down (<error>): …` / `subscribe connection down (<error>): …`, once per outage of each;
 * - any other error message the first time it comes during an outage (its repeats, each failed reconnection
 *   attempt, are counted, not printed);
 * - `<connection> connection back after <t> s (<other> connection still down)` when one is back and the other not;
 * - `both connections up again after <t> s: <n> errors, <m> publishes dropped` when both are (the outage's totals).
 * - `still down after <t> s (<connections>): <n> errors, <m> publishes dropped so far` every `reminder` ms of an
 *   outage (from its first 'down'; 0: never);
 * Outside an outage, errors print as they come, and dropped publishes (past `maxPending`, or while Redis does not
 * answer: `healthCheck`) as one line a second with their count.
 */
export function reportRedis(adapter: RedisAdapter, log: (line: string) => void, reminder = DEFAULT_REMINDER): void {
  let outage: Outage | null = null;
  const begin = (): Outage => (outage ??= { start: Date.now(), errors: 0, dropped: 0, printed: new Set() });
  let dropped = 0;
  let lastDrop = '';

  adapter.on('error', (error: Error) => {
    if (error instanceof PublishError && outage !== null && adapter.state.publish === 'down') {
      outage.dropped++; // explained by the publish connection's down line, totalled when it ends
      return;
    }
    if (error instanceof PublishError) {
      if (dropped++ === 0) {
        setTimeout(() => {
          log(`redis: ${count(dropped, 'publish', 'publishes')} dropped (${lastDrop})`);
          dropped = 0;
        }, 1000).unref();
      }
      lastDrop = error.message;
      return;
    }
    if (adapter.isReady) {
      log(`redis: ${error.message}`);
      return;
    }
    const current = begin();
    current.errors++;
    current.cause = error.message;
    // Checked after the 'down' this error may precede (node-redis reconnects, hence 'down', in the same tick), whose line gives it.
    queueMicrotask(() => {
      if (outage !== current || current.printed.has(error.message)) return;
      current.printed.add(error.message);
      log(`redis: ${error.message} (repeats while down are counted, not shown)`);
    });
  });

  adapter.on('down', (connection) => {
    const current = begin();
    const cause = current.cause === undefined ? '' : ` (${current.cause})`;
    if (current.cause !== undefined) current.printed.add(current.cause);
    current.cause = undefined;
    log(`redis: ${connection} connection down${cause}: ${LOSS[connection]}`);
    if (reminder > 0 && current.reminder === undefined) {
      current.reminder = setInterval(() => {
        const { publish, subscribe } = adapter.state;
        const down = publish === 'down' && subscribe === 'down' ? 'both connections' : `${publish === 'down' ? 'publish' : 'subscribe'} connection`;
        log(`redis: still down after ${secondsSince(current.start)} (${down}): ${totals(current)} so far`);
      }, reminder).unref();
    }
  });

  adapter.on('up', (connection) => {
    if (adapter.isReady || outage === null) return; // the 'ready' line that follows says it
    const other = connection === 'publish' ? 'subscribe' : 'publish';
    log(`redis: ${connection} connection back after ${secondsSince(outage.start)} (${other} connection still down)`);
  });

  adapter.on('ready', () => {
    if (outage === null) return;
    clearInterval(outage.reminder);
    log(`redis: both connections up again after ${secondsSince(outage.start)}: ${totals(outage)}`);
    outage = null;
  });
}
