// The deflate benchmarks' messages, with no runtime API (the cross-runtime engine benchmark bundles it for Deno,
// Bun, workerd and Chromium; bench/support/deflate-payload.mjs wraps it for Node).

/** `size` bytes of a JSON array of records with varying ids, names and numbers (deterministic per `seed`). */
export function jsonMessage(size, seed = 42) {
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  let text = '[';
  while (text.length < size) {
    const id = next() % 100000;
    text += JSON.stringify({ id, user: `user${next() % 5000}`, active: (next() & 1) === 1, score: (next() % 10000) / 100, tags: ['alpha', 'beta', 'gamma'].slice(0, 1 + (next() % 3)) }) + ',';
  }
  return new TextEncoder().encode(text.slice(0, size - 1) + ']');
}
