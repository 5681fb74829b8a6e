// Chromium: the codec as a browser bundle; the page calls wsframeTests.run().
import { report } from './report.mjs';

globalThis.wsframeTests = { run: () => report(navigator.userAgent) };
