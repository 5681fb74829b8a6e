// Deno and Bun: print the report; the exit code tells too.
import { MARK, report } from './report.mjs';

const runtime = typeof Deno === 'object' ? `deno ${Deno.version.deno}` : `bun ${Bun.version}`;
const result = report(runtime);
console.log(MARK + JSON.stringify(result));
if (result.failed.length > 0) (typeof Deno === 'object' ? Deno : process).exit(1);
