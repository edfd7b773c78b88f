/**
 * A graph-library SessionFactory backed by the runtime worker, so the coordinator page can profile
 * a model (and run it whole) without onnxruntime-web on its main thread.
 */
import { transfer } from 'comlink';
import type { SessionFactory } from '../graph/index';
import type { RuntimeSession } from '../runtime/ort-session';
import type { RuntimeClient } from './runtime-client';

let counter = 0;

/** Sessions that live in `client`'s worker. */
export function workerSessionFactory(client: RuntimeClient): SessionFactory {
  return async (model, options) => {
    const modelId = `session-${++counter}`;
    const copy = model.slice();
    const loaded = await client.api.load(modelId, transfer(copy, [copy.buffer]), 'wasm', options);
    const session: RuntimeSession = {
      backend: 'wasm',
      inputNames: loaded.inputNames,
      outputNames: loaded.outputNames,
      inputs: loaded.inputNames.map((name) => ({ name, dtype: 'unknown', shape: [] })),
      outputs: loaded.outputNames.map((name) => ({ name, dtype: 'unknown', shape: [] })),
      async run(feeds, fetches) {
        const result = await client.api.run(modelId, feeds);
        if (!fetches) return result.outputs;
        return Object.fromEntries(fetches.map((name) => [name, result.outputs[name]!]));
      },
      release: () => client.api.unload(modelId),
    };
    return session;
  };
}
