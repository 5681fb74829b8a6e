/**
 * Preload that makes ws use wsframe: after it, `require('bufferutil')` (and
 * `require('utf-8-validate')`) resolve to wsframe's drop-ins, even where the
 * native add-ons are installed. Load it before ws:
 *   node -r wsframe/register app.js
 *   node --import wsframe/register app.mjs
 * ws is CommonJS and picks its helpers up when first required, so patching
 * the CommonJS resolver covers both forms. CommonJS-only build: it needs
 * `require.resolve`, and ESM `--import` loads it just the same.
 *
 * Where Node has its own masking (`http.websocketMask`, Node 26), ws prefers it
 * and never loads bufferutil. That is left alone on purpose: Node's function is
 * even with wsframe's up to 256 B and 1.5–2.5× faster from 16 KiB, because
 * bufferutil's API makes wsframe copy into WASM memory and back
 * (bench/results/node-mask.md). There the mapping serves only ws releases that
 * predate Node's functions, and `utf-8-validate` only runtimes without `buffer.isUtf8`.
 */
import Module from 'node:module';

const replacements = new Map<string, string>([
  ['bufferutil', require.resolve('../bufferutil/index.js')],
  ['utf-8-validate', require.resolve('../utf-8-validate/index.cjs')],
]);

type ResolveFilename = (this: unknown, request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: ResolveFilename };
const installed = Symbol.for('wsframe.register');
const state = globalThis as { [installed]?: true };

if (!state[installed]) {
  state[installed] = true;
  const resolveFilename = loader._resolveFilename;
  loader._resolveFilename = function (request, ...rest) {
    return replacements.get(request) ?? resolveFilename.call(this, request, ...rest);
  };
}
