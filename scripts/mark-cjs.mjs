// Marks build/cjs as CommonJS (the package root is "type": "module"). This
// package.json also scopes `#` imports for the files under it, so it carries
// the CommonJS twin of the root's `imports` map.
import { writeFileSync } from 'node:fs';

const manifest = {
  type: 'commonjs',
  imports: {
    '#wasm': { workerd: './codec/wasm-workerd.js', default: './codec/wasm-embedded.js' },
  },
};
writeFileSync(new URL('../build/cjs/package.json', import.meta.url), JSON.stringify(manifest, null, 2) + '\n');
