// Cloudflare workerd (`workerd test`): the codec as a Worker bundles it, under
// the `workerd` condition, with the .wasm files imported as modules.
import { MARK, report } from './report.mjs';

export default {
  async test() {
    const result = report(`workerd ${navigator.userAgent}`);
    console.log(MARK + JSON.stringify(result));
    if (result.failed.length > 0) throw new Error(`${result.failed.length} failed`);
  },
};
