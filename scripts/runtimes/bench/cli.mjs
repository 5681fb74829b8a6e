// Deno and Bun runner: `deno run scripts/runtimes/bench/cli.mjs BUDGET_MS` / `bun ...`.
// Loads wsframe through its package.json, as an application would.
import { isUtf8 } from 'node:buffer';
import * as codec from 'wsframe';
import { runAll } from './core.mjs';

const args = typeof Deno === 'object' ? Deno.args : process.argv.slice(2);
const budgetMs = Number(args[0] ?? 300);
const runtime = typeof Deno === 'object' ? `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})` : `Bun ${Bun.version} (JavaScriptCore)`;
const results = await runAll(codec, { isUtf8 }, () => performance.now(), { budgetMs });
console.log(`@@wsframe-bench ${JSON.stringify({ runtime, implementation: codec.implementation(), results })}`);
