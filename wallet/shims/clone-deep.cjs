// Browser stand-in for `lodash/cloneDeep` (19 KB), which bolt11 calls on the plain objects it
// encodes and signs (the wallet only decodes): arrays, plain objects and Buffers, copied.
// biome-ignore lint/style/useNodejsImportProtocol: the npm "buffer" polyfill, bundled for the browser
const { Buffer } = require("buffer");

module.exports = function cloneDeep(value) {
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value instanceof Uint8Array) return value.slice();
  if (Array.isArray(value)) return value.map(cloneDeep);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneDeep(v)]));
  return value;
};
