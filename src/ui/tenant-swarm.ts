/**
 * The coordinator page's swarm for tenant runs (issue 15; src/swarm/tenant-runner.ts TenantSwarm):
 * predict a model's grams per inference from the plan the Run panel would make on the nodes present
 * (default configuration: balanced, the planner decides the slices), and run a grant through the
 * same run loop as the Run panel (src/swarm/run-session.ts startRunSession), one inference in
 * flight, measured by that run's own ledger (operational + embodied, the grams the budgets count)
 * and stopped before an inference that could pass the grant's reservation.
 */
import { toPlanModel } from '../graph/index';
import type { Placement } from '../plan/plan-types';
import { EMBODIED_PRIORS, embodiedGramsCo2 } from '../carbon/embodied-carbon';
import type { Coordinator, NodeRecord } from '../swarm/coordinator';
import { carbonOf, isPlannable } from '../swarm/plan-inputs';
import { choosePlacement, startRunSession, type LinkSource, type RunSettings } from '../swarm/run-session';
import { grantOverReservation, type GrantResult, type TenantSwarm } from '../swarm/tenant-runner';
import type { RunEvent } from '../swarm/run-controller';
import { formatGramsCo2 } from './format';
import { profileInThisTab } from './run-session';

/**
 * The configuration tenant runs use: the Run panel's defaults (balanced, the planner decides, seed
 * 1), one request in flight (the paper's closed loop) so each inference is measured before the next
 * is sent and a batch can stop at its reservation.
 */
export function tenantRunSettings(model: string, inferences: number): RunSettings {
  return { model, mode: 'balanced', stages: 0, inferences, ratePerSecond: 0, seed: 1, window: 1 };
}

/**
 * Predicted gCO2e per inference of `placement`: the plan's operational grams plus the embodied share
 * of each slice's node for the slice's predicted compute time (the ledger charges embodied grams by
 * wall time, embodied-carbon.ts), weighted by each pipeline's share of requests.
 */
export function predictedGramsPerInference(placement: Placement, nodes: readonly NodeRecord[]): number {
  const byId = new Map(nodes.map((n) => [n.nodeId as string, n]));
  let embodied = 0;
  for (const pipeline of placement.pipelines) {
    for (const slice of pipeline.slices) {
      const record = byId.get(slice.nodeId);
      if (!record) continue;
      const prior = EMBODIED_PRIORS[carbonOf(record).power.deviceClass];
      embodied += pipeline.share * embodiedGramsCo2(prior, Math.max(0, slice.computeMs));
    }
  }
  return placement.prediction.gramsCo2 + embodied;
}

/** The page's TenantSwarm over `coordinator()` (what-ifs applied), holding grants while `busy()`. */
export function pageTenantSwarm(coordinator: () => Coordinator | undefined, busy: () => boolean, linksNow: () => LinkSource | undefined = () => undefined): TenantSwarm {
  const need = (): Coordinator => {
    const c = coordinator();
    if (!c) throw new Error('the room is not open yet');
    return c;
  };
  return {
    busy,
    async predictGramsPerInference(model: string): Promise<number> {
      const c = need();
      const links = linksNow();
      const { profile } = await profileInThisTab(model);
      const ready = c.nodes().filter(isPlannable);
      if (ready.length === 0) throw new Error('no node is ready');
      const result = choosePlacement(tenantRunSettings(model, 1), toPlanModel(profile), ready, { replan: false }, links);
      if (!result.ok) throw new Error(result.reason);
      return predictedGramsPerInference(result.placement, ready);
    },
    async runGrant(model: string, inferences: number, reservedGramsCo2: number): Promise<GrantResult> {
      const c = need();
      const links = linksNow();
      const { profile } = await profileInThisTab(model);
      const predicted = reservedGramsCo2 / inferences;
      let completed = 0;
      let session: ReturnType<typeof startRunSession>;
      const onEvent = (event: RunEvent) => {
        if (event.kind !== 'result') return;
        if (event.outcome.ok) completed++;
        const measured = session.controller.ledger.summarise().total.gramsCo2;
        if (completed < inferences && grantOverReservation(measured, completed, reservedGramsCo2, predicted)) {
          session.controller.stop(`the batch reached its reservation of ${formatGramsCo2(reservedGramsCo2)}`);
        }
      };
      session = startRunSession(c, profile, tenantRunSettings(model, inferences), onEvent, links ? { links } : {});
      try {
        const outcomes = await session.done;
        const failed = outcomes.filter((o) => !o.ok);
        const reason = failed.length && !failed[0]!.ok ? failed[0]!.reason : undefined;
        return { completed: outcomes.length - failed.length, measuredGramsCo2: session.controller.ledger.summarise().total.gramsCo2, ...(reason ? { error: reason } : {}) };
      } catch (error) {
        return { completed: 0, measuredGramsCo2: session.controller.ledger.summarise().total.gramsCo2, error: (error as Error).message };
      } finally {
        // Done: stop listening to the room and unload the slices before the next grant.
        session.controller.stop('tenant grant finished');
      }
    },
  };
}
