/**
 * What `Adapter.subscribed(topic)` returns, kept the same way by every adapter: per topic with local subscribers,
 * the confirmation that its subscription is live across processes (Redis has confirmed the SUBSCRIBE; the cluster
 * primary has recorded the worker's subscribe). Each subscription gets its own; one that can no longer come (the
 * topic lost its last local subscriber, the adapter closed, its link is gone) is rejected, so no caller waits forever.
 */

/** One subscription's confirmation: `confirm()` once it is live, or `abandon(reason)` (rejects, if still pending). */
export interface Confirmation {
  readonly confirmed: Promise<void>;
  confirm(): void;
  abandon(reason: string, options?: ErrorOptions): void;
}

function pending(): Confirmation {
  let confirm!: () => void;
  let abandon!: (reason: string, options?: ErrorOptions) => void;
  const confirmed = new Promise<void>((resolve, reject) => {
    confirm = resolve;
    abandon = (reason, options) => reject(new Error(reason, options));
  });
  // The rejections are for `subscribed`'s callers: a topic nobody awaits raises no unhandled rejection.
  confirmed.catch(() => {});
  return { confirmed, confirm, abandon };
}

/** An adapter's confirmations, by topic. */
export class Confirmations {
  private readonly byTopic = new Map<string, Confirmation>();
  /** What closed ('The Redis adapter', …), after which no subscription can be confirmed; null while open. */
  private ended: string | null = null;

  /** @param confirmer who confirms a subscription, for the messages: `'Redis'`, `'the cluster primary'` */
  constructor(private readonly confirmer: string) {}

  /**
   * A subscription to `topic` is being made (its first local subscriber): its confirmation, pending. Once ended,
   * it is not kept (`of` rejects for every topic then).
   */
  open(topic: string): Confirmation {
    const confirmation = pending();
    if (this.ended === null) this.byTopic.set(topic, confirmation);
    return confirmation;
  }

  /** What `subscribed(topic)` returns: the current subscription's confirmation, or a rejection saying why there is none. */
  of(topic: string): Promise<void> {
    if (this.ended !== null) return Promise.reject(new Error(`${this.ended} is closed: no subscription to topic '${topic}'`));
    const confirmation = this.byTopic.get(topic);
    if (confirmation === undefined) return Promise.reject(new Error(`Topic '${topic}' has no local subscriber: this process is not subscribing to it`));
    return confirmation.confirmed;
  }

  /** `topic` lost its last local subscriber: its confirmation is rejected if still pending, and forgotten. */
  drop(topic: string): void {
    this.byTopic.get(topic)?.abandon(`Topic '${topic}' lost its last local subscriber before ${this.confirmer} confirmed the subscription`);
    this.byTopic.delete(topic);
  }

  /**
   * No subscription can be confirmed any more: `what` (`'The Redis adapter'`, `"The worker's IPC channel…"`) closed.
   * Pending confirmations are rejected, and every later `of` too.
   */
  end(what: string): void {
    if (this.ended !== null) return;
    this.ended = what;
    for (const [topic, confirmation] of this.byTopic) confirmation.abandon(`${what} closed before ${this.confirmer} confirmed the subscription to topic '${topic}'`);
    this.byTopic.clear();
  }
}
