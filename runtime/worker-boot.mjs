// Boots a TypeScript actor from source: Node 20 does not apply --import loader hooks to a worker's own entry
// file, so this plain-JS entry registers tsx inside the worker and then imports the real entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
