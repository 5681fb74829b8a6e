/** Plain reference implementations the WASM paths are checked against. */

/** RFC 6455 §5.3, byte by byte. */
export function referenceMask(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number, length: number, phase = 0): void {
  const copy = source.slice(0, length);
  for (let i = 0; i < length; i++) output[offset + i] = copy[i] ^ key[(i + phase) & 3];
}
