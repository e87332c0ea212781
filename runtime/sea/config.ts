/**
 * @module Environment variables the single binary reads (merged into runtime/main/config.ts's shape by the lead, so the
 * unknown-VOLGUARD_* check accepts them). The loader reads them from process.env before config parsing.
 */
import { envString, type EnvShape } from '../config-kit.ts';

export const seaEnv = {
  /** Where the binary extracts its worker bundles and native addon (a 0700 directory it owns). Default:
   *  $CACHE_DIRECTORY / $RUNTIME_DIRECTORY (systemd CacheDirectory= / RuntimeDirectory=) | $XDG_RUNTIME_DIR/volguard | $TMPDIR/volguard-<uid>. */
  VOLGUARD_RUNTIME_DIR: envString().optional(),
} satisfies EnvShape;
