// Marks build/cjs as CommonJS (the package root is "type": "module"), and
// points its `#wasm` and `#deflate-wasm` imports at the embedded bytes: Node
// ignores `imports` in nested package.json files, and only ESM consumers
// (Workers) need the `workerd` variants.
import { readFileSync, writeFileSync } from 'node:fs';

const cjs = (path) => new URL(`../build/cjs/${path}`, import.meta.url);
writeFileSync(cjs('package.json'), '{ "type": "commonjs" }\n');
for (const [file, specifier, target] of [
  ['codec/wasm.js', '#wasm', './wasm-embedded.js'],
  ['codec/deflate/wasm-module.js', '#deflate-wasm', './wasm-deflate-embedded.js'],
]) {
  const loader = readFileSync(cjs(file), 'utf8');
  const resolved = loader.replace(`require("${specifier}")`, `require("${target}")`);
  if (resolved === loader) throw new Error(`mark-cjs: no require("${specifier}") in build/cjs/${file}`);
  writeFileSync(cjs(file), resolved);
}
