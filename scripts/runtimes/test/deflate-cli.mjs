// Deno and Bun: print the deflate report; the exit code tells too.
import { MARK } from './report.mjs';
import { deflateReport } from './deflate.mjs';

const runtime = typeof Deno === 'object' ? `deno ${Deno.version.deno}` : typeof Bun === 'object' ? `bun ${Bun.version}` : `node ${process.version}`;
const result = await deflateReport(runtime);
console.log(MARK + JSON.stringify(result));
if (result.failed.length > 0) (typeof Deno === 'object' ? Deno : process).exit(1);
