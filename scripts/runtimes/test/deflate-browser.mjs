// Chromium: the deflate report from a browser bundle; the page calls wsframeDeflate.run().
import { deflateReport } from './deflate.mjs';

globalThis.wsframeDeflate = { run: () => deflateReport(navigator.userAgent) };
