/// <reference lib="webworker" />
/**
 * Runtime worker entry: exposes a RuntimeService over comlink. All logic lives in
 * runtime-service.ts so that tests can import it without a worker.
 */
import { expose, transfer } from 'comlink';
import { RuntimeService } from './runtime-service';
import type { RuntimeWorkerApi } from '../src/protocol/worker-api';
import type { CostWorkerApi } from '../src/cost/cost-report';
import type { TensorData } from '../src/runtime/tensor';

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetching ${url} failed: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const service = new RuntimeService(fetchBytes);

/** Outputs go back by transfer, not copy. `measureCost` is the cost model's micro-benchmark (issue 11). */
const api: RuntimeWorkerApi & CostWorkerApi = {
  init: (config) => service.init(config),
  benchmark: (request) => service.benchmark(request),
  load: (id, source, backend, options) => service.load(id, source, backend, options),
  unload: (id) => service.unload(id),
  setSlowdown: (s) => service.setSlowdown(s),
  measureCost: (request) => service.measureCost(request),
  async run(id, feeds) {
    const result = await service.run(id, feeds);
    const buffers = Object.values(result.outputs).map((t: TensorData) => t.data.buffer as ArrayBuffer);
    return transfer(result, buffers);
  },
};

expose(api);
