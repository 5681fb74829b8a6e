// What every runtime entry reports: the shared vectors' outcome under the
// codec as that runtime loads it, on one marked line of JSON.
import * as codec from 'wsframe';
import { runAll } from '../../../test/support/vectors/index.ts';

export const MARK = '@@wsframe-result ';

/** Runs the shared vectors (seed and sample scale from the bundle's defines) and returns the report. */
export function report(runtime) {
  const started = Date.now();
  const result = runAll(codec, { seed: __WSFRAME_SEED__, scale: __WSFRAME_SCALE__ });
  return { runtime, implementation: codec.implementation(), ms: Date.now() - started, ...result };
}
