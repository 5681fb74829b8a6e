/**
 * The pure-JS kernels: a plain TypeScript twin of every WASM export, over a
 * fixed heap with the same layout contract. Used where WebAssembly is missing
 * and as the reference in differential tests. Each twin lives in a file named
 * like its assembly/ counterpart; add it here when you add a kernel (the
 * `Kernels` type makes a missing twin a compile error).
 */
import { DESCRIPTOR_WORDS, STATE_SIZE, TABLE_ENTRIES } from '../layout.js';
import type { Kernels } from '../kernels.js';
import { createFrameTwin } from './frame.js';
import { ioPtr, ioSize } from './io.js';
import { mask } from './mask.js';
import { heap, memory, reserve } from './memory.js';
import { utf8Kernels } from './utf8.js';

const utf8 = utf8Kernels(heap);

const frame = createFrameTwin(
  heap,
  { statePtr: reserve(STATE_SIZE, 16), tablePtr: reserve(TABLE_ENTRIES * DESCRIPTOR_WORDS * 4, 16), tableEntries: TABLE_ENTRIES },
  {
    mask,
    // Twin of assembly/frame-text.ts.
    textPiece: (ptr, length, key, phase, masked, state) =>
      masked ? utf8.unmaskValidateUtf8(ptr, length, key, phase, state) : utf8.validateUtf8(ptr, length, state),
  },
);

export const fallbackKernels: Kernels = {
  memory,
  ioPtr,
  ioSize,
  mask,
  ...utf8,
  ...frame,
};
