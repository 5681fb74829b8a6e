// Chromium runner of the deflate engine benchmark (bundled as an IIFE): the page calls wsframeDeflateBench.run(budgetMs).
import * as deflate from 'wsframe/deflate';
import { measureAll } from './deflate-core.mjs';

globalThis.wsframeDeflateBench = {
  run: async (budgetMs) => ({
    runtime: navigator.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent,
    rows: await measureAll(deflate, () => performance.now(), { budgetMs }),
  }),
};
