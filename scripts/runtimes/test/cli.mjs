// Deno, Bun and Node: print the report; the exit code tells too.
import { MARK, report } from './report.mjs';

const runtime = typeof Deno === 'object' ? `deno ${Deno.version.deno}` : typeof Bun === 'object' ? `bun ${Bun.version}` : `node ${process.version}`;
const result = report(runtime);
console.log(MARK + JSON.stringify(result));
if (result.failed.length > 0) (typeof Deno === 'object' ? Deno : process).exit(1);
