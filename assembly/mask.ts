// RFC 6455 §5.3 masking: out[i] = in[i] ^ key[(i + phase) & 3].

/**
 * XORs `length` bytes at `src` into `dst` (which may equal `src`) with the
 * 4-byte masking key `key` (little-endian: key byte 0 in the low bits),
 * starting `phase` bytes into the key, so a payload masked in pieces lines up.
 */
export function mask(src: usize, dst: usize, length: usize, key: u32, phase: u32): void {
  // Rotating the key once lets every later step start at a multiple of 4.
  key = rotr<u32>(key, (phase & 3) << 3);
  let i: usize = 0;
  if (ASC_FEATURE_SIMD && length >= 16) {
    const k = i32x4.splat(key);
    // Four independent vectors per iteration keep the load/store ports busy.
    while (i + 64 <= length) {
      v128.store(dst + i, v128.xor(v128.load(src + i), k));
      v128.store(dst + i, v128.xor(v128.load(src + i, 16), k), 16);
      v128.store(dst + i, v128.xor(v128.load(src + i, 32), k), 32);
      v128.store(dst + i, v128.xor(v128.load(src + i, 48), k), 48);
      i += 64;
    }
    while (i + 16 <= length) {
      v128.store(dst + i, v128.xor(v128.load(src + i), k));
      i += 16;
    }
  }
  // Scalar builds (no SIMD) do the whole run here, 8 bytes at a time.
  const key64 = (<u64>key << 32) | key;
  while (i + 8 <= length) {
    store<u64>(dst + i, load<u64>(src + i) ^ key64);
    i += 8;
  }
  if (i + 4 <= length) {
    store<u32>(dst + i, load<u32>(src + i) ^ key);
    i += 4;
  }
  // i is a multiple of 4 here, so the tail starts at key byte 0.
  while (i < length) {
    store<u8>(dst + i, load<u8>(src + i) ^ <u8>key);
    key >>>= 8;
    i++;
  }
}
