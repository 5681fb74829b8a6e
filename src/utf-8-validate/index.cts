/**
 * A drop-in for the `utf-8-validate` package, CommonJS side: `module.exports`
 * is the function, so `const isValidUTF8 = require('utf-8-validate')` (as ws
 * does) gets wsframe's validator. Unlike the native add-on it throws a
 * TypeError for anything but a Buffer, Uint8Array or ArrayBuffer.
 */
import { isValidUTF8 } from '../codec/utf8.js';

export = isValidUTF8;
