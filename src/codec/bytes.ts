/** Argument checks shared by the codec's entry points; all throw before anything is written. */

export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Buffer or Uint8Array`);
  }
}

export function assertIndex(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** `value` as an error message shows it: strings quoted, objects by kind, never their contents. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/**
 * A constructor's options must be an object: a missing one is a TypeError that
 * says so and shows what one looks like (`example`), instead of a failed property read.
 */
export function assertOptions(value: unknown, constructor: string, example: string): asserts value is object {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`new ${constructor}(options): options must be an object like ${example}, got ${describe(value)}`);
  }
}

/** `role` must be 'server' or 'client'. */
export function assertRole(value: unknown, constructor: string): asserts value is 'server' | 'client' {
  if (value !== 'server' && value !== 'client') throw new TypeError(`${constructor}: role must be 'server' or 'client', got ${describe(value)}`);
}
