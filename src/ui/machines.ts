/** Which nodes share a machine, as the node table says it (pure). */
import type { NodeRecord } from '../swarm/coordinator';
import { SIMULATED_HOST_GROUP, membersByHostGroup } from '../swarm/plan-inputs';

/**
 * What the table says of each node's machine: `this machine` for nodes that share the
 * coordinator's (simulated nodes, lab pages, pages the server saw connect from it), `machine k`
 * for each other machine two or more nodes share (src/swarm/plan-inputs.ts plans each as one host).
 */
export function machineLabels(nodes: readonly NodeRecord[]): Map<string, string> {
  const out = new Map<string, string>();
  let k = 0;
  for (const [group, members] of membersByHostGroup(nodes.filter((n) => n.state !== 'gone'))) {
    if (group !== SIMULATED_HOST_GROUP && members.length < 2) continue;
    const label = group === SIMULATED_HOST_GROUP ? 'this machine' : `machine ${++k}`;
    for (const n of members) out.set(n.nodeId, label);
  }
  return out;
}
