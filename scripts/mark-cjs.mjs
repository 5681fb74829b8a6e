// Marks build/cjs as CommonJS (the package root is "type": "module"), and
// points its `#wasm` import at the embedded bytes: Node ignores `imports` in
// nested package.json files, and only ESM consumers (Workers) need the
// `workerd` variant.
import { readFileSync, writeFileSync } from 'node:fs';

const cjs = (path) => new URL(`../build/cjs/${path}`, import.meta.url);
writeFileSync(cjs('package.json'), '{ "type": "commonjs" }\n');
const loader = readFileSync(cjs('codec/wasm.js'), 'utf8');
const resolved = loader.replace('require("#wasm")', 'require("./wasm-embedded.js")');
if (resolved === loader) throw new Error('mark-cjs: no require("#wasm") in build/cjs/codec/wasm.js');
writeFileSync(cjs('codec/wasm.js'), resolved);
