/**
 * Starts the runtime worker for a page and wraps it with comlink. onnxruntime-web lives only in
 * that worker; its wasm files are served from our own origin under /ort/.
 */
import { wrap, type Remote } from 'comlink';
import type { RuntimeWorkerApi, WorkerInfo } from '../protocol/worker-api';

/** A page's handle on one runtime worker. */
export interface RuntimeClient {
  readonly api: Remote<RuntimeWorkerApi>;
  readonly info: WorkerInfo;
  terminate(): void;
}

/** Threads ORT may use here: several only when the page is crossOriginIsolated. */
export function threadCount(): number {
  if (!globalThis.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
}

/** Spawn and initialise a worker. `slowdown` > 1 duty-cycles it (simulated slower nodes). */
export async function startRuntimeWorker(options: { slowdown?: number; numThreads?: number } = {}): Promise<RuntimeClient> {
  const worker = new Worker(new URL('../../workers/runtime.worker.ts', import.meta.url), { type: 'module', name: 'carbonedge-runtime' });
  const api = wrap<RuntimeWorkerApi>(worker);
  const info = await api.init({
    wasmPaths: new URL('/ort/', location.href).href,
    numThreads: options.numThreads ?? threadCount(),
    ...(options.slowdown ? { slowdown: options.slowdown } : {}),
  });
  return { api, info, terminate: () => worker.terminate() };
}
