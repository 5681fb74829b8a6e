// Deno and Bun runner of the deflate engine benchmark: `deno run -A scripts/runtimes/bench/deflate-cli.mjs BUDGET_MS` / `bun ...`.
import * as deflate from 'wsframe/deflate';
import { measureAll } from './deflate-core.mjs';

const args = typeof Deno === 'object' ? Deno.args : process.argv.slice(2);
const runtime = typeof Deno === 'object' ? `Deno ${Deno.version.deno}` : `Bun ${Bun.version}`;
const rows = await measureAll(deflate, () => performance.now(), { budgetMs: Number(args[0] ?? 300) });
console.log(`@@wsframe-bench ${JSON.stringify({ runtime, rows })}`);
