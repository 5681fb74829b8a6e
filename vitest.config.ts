import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; `#wasm` and `#deflate-wasm` (package.json imports) point at the build.
    alias: {
      '#wasm': fileURLToPath(new URL('./src/codec/wasm-embedded.ts', import.meta.url)),
      '#deflate-wasm': fileURLToPath(new URL('./src/codec/deflate/wasm-deflate-embedded.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
