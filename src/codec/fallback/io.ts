// Twin of assembly/io.ts: the 64 KiB I/O region.
import { IO_SIZE } from '../layout.js';
import { reserve } from './memory.js';

const IO = reserve(IO_SIZE, 64);

/** Address of the I/O region. */
export function ioPtr(): number {
  return IO;
}

/** Size of the I/O region in bytes. */
export function ioSize(): number {
  return IO_SIZE;
}
