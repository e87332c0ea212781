// Fallback boot of a TypeScript actor from source (runtime/entry.ts uses it when the entry could not be bundled,
// or with VOLGUARD_DEV_BUNDLE=0): Node 20 does not apply --import loader hooks to a worker's own entry file, so this
// plain-JS entry registers tsx inside the worker and then imports the real entry. Slow (~200 ms per worker).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
