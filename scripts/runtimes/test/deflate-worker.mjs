// Cloudflare workerd (`workerd test`), bundled as a Worker (the `workerd` condition): the deflate report.
import { MARK } from './report.mjs';
import { deflateReport } from './deflate.mjs';

export default {
  async test() {
    const result = await deflateReport(`workerd ${navigator.userAgent}`);
    console.log(MARK + JSON.stringify(result));
    if (result.failed.length > 0) throw new Error(`${result.failed.length} failed`);
  },
};
