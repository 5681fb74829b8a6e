// The decoder's state slot and descriptor table: static regions that hold one
// decoder's state for the length of one decodeFrames() call. Each decoder keeps
// its state in JavaScript and copies it in before a call and out after it, so
// any number of decoders share one instance. Their layout: layout.ts.
import { DESCRIPTOR_WORDS, STATE_SIZE, TABLE_ENTRIES } from './layout';

export const STATE: usize = memory.data(STATE_SIZE, 16);
export const TABLE: usize = memory.data(TABLE_ENTRIES * DESCRIPTOR_WORDS * 4, 16);

/** Address of the state slot. */
export function frameStatePtr(): usize {
  return STATE;
}

/** Address of the descriptor table. */
export function frameTablePtr(): usize {
  return TABLE;
}

/** Entries in the descriptor table: the most pieces one decodeFrames() call reports. */
export function frameTableEntries(): u32 {
  return TABLE_ENTRIES;
}

// @ts-ignore: decorator
@inline export function word(index: i32): i32 {
  return load<i32>(STATE + (<usize>index << 2));
}

// @ts-ignore: decorator
@inline export function setWord(index: i32, value: i32): void {
  store<i32>(STATE + (<usize>index << 2), value);
}
