// JSON-like records, compressible as real traffic is: the deflate benchmark's payload.
/** `size` bytes of a JSON array of records with varying ids, names and numbers (deterministic). */
export function jsonPayload(size) {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  let text = '[';
  while (text.length < size) {
    const id = next() % 100000;
    text += JSON.stringify({ id, user: `user${next() % 5000}`, active: (next() & 1) === 1, score: (next() % 10000) / 100, tags: ['alpha', 'beta', 'gamma'].slice(0, 1 + (next() % 3)) }) + ',';
  }
  return Buffer.from(text.slice(0, size - 1) + ']');
}
