// The codec benchmarks' payloads (bench/codec.bench.mjs, bench/decode-stages.mjs).

/**
 * A payload of `bytes` bytes: printable ASCII for 'text' (like JSON), any bytes for 'binary', for 'mixed'
 * text with a 2- or 3-byte character every 97 bytes (valid UTF-8 that defeats ASCII fast paths), and for
 * 'utf8' 1-, 2-, 3- and 4-byte characters in equal parts (padded with spaces to the exact size).
 */
export function payload(bytes, kind, seed) {
  const out = Buffer.alloc(bytes);
  if (kind === 'utf8') {
    const ranges = [[0x21, 0x7e], [0x80, 0x7ff], [0x800, 0xd7ff], [0x10000, 0x10ffff]];
    let x = seed;
    out.fill(0x20);
    for (let at = 0; ;) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const [lo, hi] = ranges[x >>> 30];
      const ch = Buffer.from(String.fromCodePoint(lo + ((x >>> 8) % (hi - lo + 1))));
      if (at + ch.length > bytes) break;
      ch.copy(out, at);
      at += ch.length;
    }
    return out;
  }
  let x = seed;
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = kind === 'binary' ? x >>> 24 : 0x20 + ((x >>> 24) % 95);
  }
  if (kind === 'mixed') for (let i = 0; i + 3 <= bytes; i += 97) out.write(i % 2 ? 'é' : '€', i);
  return out;
}
