// Chromium runner of the deflate engine benchmark (bundled as an IIFE): the page calls wsframeDeflateBench.run({ budgetMs, rounds }).
import { runDeflate } from './deflate-core.mjs';

globalThis.wsframeDeflateBench = {
  run: async (options) => ({
    runtime: navigator.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent,
    results: await runDeflate(() => performance.now(), options),
  }),
};
