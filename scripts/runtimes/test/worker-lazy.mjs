// Cloudflare workerd, codec first loaded inside a handler: there workerd
// forbids compiling WASM from bytes ("Wasm code generation disallowed by
// embedder"), which is why the `workerd` condition imports .wasm modules.
export default {
  async test() {
    const { MARK, report } = await import('./report.mjs');
    const result = report(`workerd ${navigator.userAgent}, loaded in a handler`);
    console.log(MARK + JSON.stringify(result));
    if (result.failed.length > 0) throw new Error(`${result.failed.length} failed`);
  },
};
