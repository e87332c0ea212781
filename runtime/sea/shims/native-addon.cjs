'use strict';
// esbuild alias target for `node-gyp-build-optional-packages` in the binary: lmdb calls it at module init with its
// own directory (meaningless after bundling). We dlopen the lmdb addon extracted by runtime/sea/loader.ts instead:
// in a worker bundle the private directory is the bundle's own directory (banner sets __VOLGUARD_SEA_DIR__); in
// the main thread the loader extracts on first use. No node_modules lookup ever happens.
const path = require('node:path');

function seaDir() {
  const g = globalThis;
  if (g.__VOLGUARD_SEA_DIR__) return g.__VOLGUARD_SEA_DIR__;
  if (g.__VOLGUARD_SEA_ENSURE__) return g.__VOLGUARD_SEA_ENSURE__();
  throw new Error('volguard: native addon requested before the binary loader ran');
}

let loaded = null;
function load() {
  if (loaded === null) {
    const mod = { exports: {} };
    const file = path.join(seaDir(), 'lmdb.node');
    try {
      process.dlopen(mod, file);
    } catch (err) {
      if (/failed to map segment|operation not permitted/i.test(String(err && err.message))) {
        err.message += ` (is ${path.dirname(file)} on a noexec mount? set VOLGUARD_RUNTIME_DIR to an exec-able private directory)`;
      }
      throw err;
    }
    loaded = mod.exports;
  }
  return loaded;
}
module.exports = load;
module.exports.default = load;
