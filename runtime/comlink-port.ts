/**
 * @module comlink over a worker_threads MessagePort (its Node adapter), typed once here.
 * The admin plane (inspect, metrics) only: state-changing commands go through the mailbox.
 */
import * as Comlink from 'comlink';
import nodeAdapter from 'comlink/dist/umd/node-adapter.js';
import type { MessagePort } from 'node:worker_threads';

type NodeEndpointFn = (port: MessagePort) => Comlink.Endpoint;
// The adapter is CommonJS with a default export; its typings describe the module, not the function.
const nodeEndpoint = nodeAdapter as unknown as NodeEndpointFn;

export function exposeOn(port: MessagePort, api: object): void {
  Comlink.expose(api, nodeEndpoint(port));
}

export function wrapPort<T>(port: MessagePort): Comlink.Remote<T> {
  return Comlink.wrap<T>(nodeEndpoint(port));
}

export type Remote<T> = Comlink.Remote<T>;
