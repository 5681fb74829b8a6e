// What `import x from './file.wasm'` gives under workerd/wrangler/esbuild's `copy` loaders.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
