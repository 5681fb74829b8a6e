/**
 * The browser-style side of `WebSocket`, as ws offers it: `addEventListener`,
 * `removeEventListener`, the `onopen`/`onmessage`/`onclose`/`onerror`
 * attributes, and ws's event classes. Each listener is an EventEmitter
 * listener that wraps the handler and builds the event object, so a
 * connection that uses none of this pays nothing for it.
 */
import type { EventEmitter } from 'node:events';

/** An event, as ws's `Event`: a `type` and the `target` it was dispatched on. */
export class Event {
  readonly type: string;
  /** The `WebSocket` the event was dispatched on; null until then. */
  target: unknown = null;

  constructor(type: string) {
    this.type = type;
  }
}

/** A `message` event: `data` is a string for text messages, else as `binaryType` says. */
export class MessageEvent extends Event {
  readonly data: unknown;

  constructor(type: string, options: { data?: unknown } = {}) {
    super(type);
    this.data = options.data === undefined ? null : options.data;
  }
}

/** A `close` event: the close code, the reason as a string, and whether both close frames were exchanged. */
export class CloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;

  constructor(type: string, options: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.code = options.code ?? 0;
    this.reason = options.reason ?? '';
    this.wasClean = options.wasClean ?? false;
  }
}

/** An `error` event: the error and its message. */
export class ErrorEvent extends Event {
  readonly error: unknown;
  readonly message: string;

  constructor(type: string, options: { error?: unknown; message?: string } = {}) {
    super(type);
    this.error = options.error === undefined ? null : options.error;
    this.message = options.message ?? '';
  }
}

/** A handler: a function, or an object with `handleEvent`. */
export type EventHandler = ((event: never) => void) | { handleEvent(event: never): void };

/** The events that have an event-target form. */
type EventName = 'open' | 'message' | 'close' | 'error';

/** What a wrapper needs from the socket that dispatches: an EventEmitter that knows whether its close was clean. */
export interface EventSource extends EventEmitter {
  /** Whether close frames went both ways (for `CloseEvent.wasClean`). */
  readonly _wasClean: boolean;
}

const kHandler = Symbol('wsframe.handler');
const kAttribute = Symbol('wsframe.attribute');

type Wrapper = ((...args: any[]) => void) & { [kHandler]: EventHandler; [kAttribute]: boolean }; // eslint-disable-line @typescript-eslint/no-explicit-any

function call(handler: EventHandler, target: EventSource, event: Event): void {
  event.target = target;
  if (typeof handler === 'function') (handler as (event: Event) => void).call(target, event);
  else handler.handleEvent(event as never);
}

/** The EventEmitter listener that turns `type`'s arguments into an event for `handler`. */
function wrap(type: EventName, handler: EventHandler, attribute: boolean): Wrapper | null {
  let wrapper;
  if (type === 'message') {
    wrapper = function (this: EventSource, data: Buffer, isBinary: boolean): void {
      call(handler, this, new MessageEvent('message', { data: isBinary ? data : data.toString() }));
    };
  } else if (type === 'close') {
    wrapper = function (this: EventSource, code: number, reason: Buffer): void {
      call(handler, this, new CloseEvent('close', { code, reason: reason.toString(), wasClean: this._wasClean }));
    };
  } else if (type === 'error') {
    wrapper = function (this: EventSource, error: Error): void {
      call(handler, this, new ErrorEvent('error', { error, message: error.message }));
    };
  } else if (type === 'open') {
    wrapper = function (this: EventSource): void {
      call(handler, this, new Event('open'));
    };
  } else {
    return null;
  }
  return Object.assign(wrapper, { [kHandler]: handler, [kAttribute]: attribute });
}

function isWrapper(listener: unknown): listener is Wrapper {
  return typeof listener === 'function' && kHandler in listener;
}

/**
 * Adds `handler` for `type` ('open', 'message', 'close' or 'error'; other
 * types are ignored, as in ws). Adding the same handler twice adds it once.
 */
export function addEventListener(target: EventSource, type: string, handler: EventHandler, options: { once?: boolean } = {}): void {
  if (handler === null || (typeof handler !== 'function' && typeof handler?.handleEvent !== 'function')) return;
  for (const listener of target.listeners(type)) {
    if (isWrapper(listener) && listener[kHandler] === handler && !listener[kAttribute]) return;
  }
  const wrapper = wrap(type as EventName, handler, false);
  if (wrapper === null) return;
  if (options.once) target.once(type, wrapper);
  else target.on(type, wrapper);
}

/** Removes a handler added with `addEventListener`. */
export function removeEventListener(target: EventSource, type: string, handler: EventHandler): void {
  for (const listener of target.listeners(type)) {
    if (isWrapper(listener) && listener[kHandler] === handler && !listener[kAttribute]) {
      target.removeListener(type, listener);
      return;
    }
  }
}

/** The handler set with the `on<type>` attribute, or null. */
export function getAttribute(target: EventSource, type: EventName): EventHandler | null {
  for (const listener of target.listeners(type)) if (isWrapper(listener) && listener[kAttribute]) return listener[kHandler];
  return null;
}

/** Sets the `on<type>` attribute: replaces its previous handler; a non-function clears it. */
export function setAttribute(target: EventSource, type: EventName, handler: unknown): void {
  for (const listener of target.listeners(type)) {
    if (isWrapper(listener) && listener[kAttribute]) {
      target.removeListener(type, listener);
      break;
    }
  }
  if (typeof handler === 'function') target.on(type, wrap(type, handler as EventHandler, true)!);
}
