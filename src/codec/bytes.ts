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

/**
 * Whether writing `length` bytes to `output` at `offset` would overwrite bytes
 * of `source` before they are read, when both view the same memory.
 */
export function writesAhead(source: Uint8Array, output: Uint8Array, offset: number, length: number): boolean {
  if (source.buffer !== output.buffer) return false;
  const distance = output.byteOffset + offset - source.byteOffset;
  return distance > 0 && distance < length;
}
