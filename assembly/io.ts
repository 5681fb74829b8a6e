// The I/O region: the one block of linear memory that JavaScript writes input
// into and reads results from. It is static (memory.data), so nothing ever
// calls memory.grow and JS views of it never detach. 64 KiB matches the size
// of a Node.js socket read, so the server can read straight into it.

import { IO_SIZE } from './layout';

export const IO: usize = memory.data(<i32>IO_SIZE, 64);

/** Address of the I/O region. */
export function ioPtr(): usize {
  return IO;
}

/** Size of the I/O region in bytes. */
export function ioSize(): usize {
  return IO_SIZE;
}
