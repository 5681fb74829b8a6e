// What every runtime's deflate entry reports: the permessage-deflate vectors
// (test/support/vectors/deflate.ts) on the engine the runtime picks and on
// pako, as the shared vectors' report does; `implementation` is the engine picked.
import * as codec from 'wsframe';
import * as deflate from 'wsframe/deflate';
import { runDeflate } from '../../../test/support/vectors/deflate.ts';

/** Runs the deflate vectors (seed and sample scale from the bundle's defines) and returns the report. */
export async function deflateReport(runtime) {
  const started = Date.now();
  const { engine, ...result } = await runDeflate(codec, deflate, { seed: __WSFRAME_SEED__, scale: __WSFRAME_SCALE__ });
  return { runtime, implementation: engine, ms: Date.now() - started, ...result };
}
