// Chromium runner (bundled as an IIFE): the page calls wsframeBench.run(budgetMs).
import * as codec from 'wsframe';
import { runAll } from './core.mjs';

globalThis.wsframeBench = {
  run: async (budgetMs) => ({
    runtime: navigator.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent,
    implementation: codec.implementation(),
    results: await runAll(codec, {}, () => performance.now(), { budgetMs }),
  }),
};
