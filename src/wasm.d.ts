/** A `.wasm` import: wrangler and vitest-pool-workers hand the Worker a compiled WebAssembly.Module. */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
