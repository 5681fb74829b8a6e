// Node (pinned majors), Deno and Bun runner of the deflate engine benchmark, bundled (deflate-engines.mjs):
// `node|deno run -A|bun deflate-cli.mjs BUDGET_MS`.
import { runDeflate } from './deflate-core.mjs';

const args = typeof Deno === 'object' ? Deno.args : process.argv.slice(2);
const runtime = typeof Deno === 'object' ? `Deno ${Deno.version.deno}` : typeof Bun === 'object' ? `Bun ${Bun.version}` : `Node ${process.version}`;
const results = await runDeflate(() => performance.now(), { budgetMs: Number(args[0] ?? 300) });
console.log(`@@wsframe-bench ${JSON.stringify({ runtime, results })}`);
