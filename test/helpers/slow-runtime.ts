/** Wrap a node's slice runtime so that it runs slower than it claims, by a known amount (integration tests). */
import type { SliceRuntime } from '../../src/swarm/node-executor';

/**
 * Every run takes `extraMs(n)` more than the kernel (n = the node's execution count, from 0), and
 * reports it in its busy and wall time: a machine slower than its benchmark said.
 */
export const slowerBy = (extraMs: (n: number) => number) => (runtime: SliceRuntime): SliceRuntime => {
  let n = 0;
  return {
    load: runtime.load.bind(runtime),
    unload: runtime.unload.bind(runtime),
    run: async (id, feeds) => {
      const extra = extraMs(n++);
      const t0 = performance.now();
      const result = await runtime.run(id, feeds);
      await new Promise((r) => setTimeout(r, extra));
      const wall = performance.now() - t0;
      return { ...result, busyMs: wall, wallMs: wall };
    },
  };
};
