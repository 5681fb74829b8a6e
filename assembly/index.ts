// The WebAssembly module's exports: one concern per file, gathered here.
export { ioPtr, ioSize } from './io';
export { mask } from './mask';
export { validateUtf8, unmaskValidateUtf8 } from './utf8';
