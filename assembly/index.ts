// The WebAssembly module's exports: one concern per file, gathered here.
export { ioPtr, ioSize } from './io';
export { mask } from './mask';
export { frameStatePtr, frameTablePtr, frameTableEntries } from './frame-state';
export { decodeFrames } from './frame-decode';
export { asciiPrefix, validateUtf8, unmaskValidateUtf8 } from './utf8';
