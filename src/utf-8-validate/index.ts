/**
 * A drop-in for the `utf-8-validate` package, ES module side:
 * `import isValidUTF8 from 'wsframe/utf-8-validate'`. The CommonJS side
 * (index.cts) makes `module.exports` the function itself, as ws expects.
 */
export { isValidUTF8 as default } from '../codec/utf8.js';
