/**
 * The server-wide write budget (`maxBufferedBytes`): bytes waiting to be
 * written to a group of connections (a server's), against a limit for all of
 * them together.
 *
 * Each connection adds what its socket holds after a write and takes it back
 * as those bytes are written or the socket closes (connection.ts). While the
 * group is over the limit, a connection with bytes waiting stops reading and
 * waits here; the budget tells every waiting connection as soon as it is back
 * under the limit, whoever freed it, so a connection whose own bytes are few
 * (or not moving) does not stay stopped until a timer or its own drain.
 */

/** What the budget tells a connection that waits for it. */
export interface BudgetWaiter {
  /** The budget is back under its limit: read again unless something else holds reading off. */
  budgetFreed(): void;
}

export class WriteBudget {
  private queued = 0;
  /** Connections that stopped reading while the budget was over: told, and forgotten, when it is back under. */
  private readonly waiting = new Set<BudgetWaiter>();

  /** @param limit bytes that may wait in all the group's sockets together */
  constructor(readonly limit: number) {}

  /** Whether more bytes wait than the limit allows. */
  get over(): boolean {
    return this.queued > this.limit;
  }

  /** A connection's waiting bytes changed by `delta`. Back under the limit: every waiting connection is told. */
  add(delta: number): void {
    const wasOver = this.queued > this.limit;
    this.queued += delta;
    if (!wasOver || this.queued > this.limit || this.waiting.size === 0) return;
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const waiter of waiting) waiter.budgetFreed();
  }

  /** `waiter` stopped reading because the budget is over: it is told when it is back under. */
  wait(waiter: BudgetWaiter): void {
    this.waiting.add(waiter);
  }

  /** `waiter` no longer waits (its bytes were written, or it closed). */
  leave(waiter: BudgetWaiter): void {
    this.waiting.delete(waiter);
  }
}
