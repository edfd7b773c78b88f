import { describe, expect, it } from 'vitest';
import { TenantRunner, TenantSubmitError, grantOverReservation, type GrantResult, type TenantSwarm } from '../../../src/swarm/tenant-runner';

/** A fake swarm: 1 g predicted per inference, `factor` g measured per inference, grants logged. */
function fakeSwarm(options: { factor?: number; fail?: boolean; busy?: () => boolean; predict?: () => Promise<number> } = {}) {
  const grants: Array<{ model: string; inferences: number }> = [];
  let running = 0;
  let overlapped = false;
  const swarm: TenantSwarm = {
    predictGramsPerInference: options.predict ?? (async () => 1),
    async runGrant(model, inferences): Promise<GrantResult> {
      running++;
      if (running > 1) overlapped = true;
      grants.push({ model, inferences });
      await new Promise((r) => setTimeout(r, 1));
      running--;
      if (options.fail) throw new Error('no node is ready');
      return { completed: inferences, measuredGramsCo2: inferences * (options.factor ?? 0.9) };
    },
    busy: options.busy ?? (() => false),
  };
  return { swarm, grants, overlapped: () => overlapped };
}

async function settled(runner: TenantRunner): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (!runner.runs().some((r) => r.state === 'queued' || r.state === 'running')) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`runs did not settle: ${JSON.stringify(runner.runs())}`);
}

describe('TenantRunner', () => {
  it('runs two tenants\' grants one at a time: the generous one completes, the tiny one is refused with the grams', async () => {
    const fake = fakeSwarm();
    const runner = new TenantRunner([
      { tenantId: 'groupaaa', name: 'Group A', budgetGramsCo2: 100 },
      { tenantId: 'groupbbb', name: 'Group B', budgetGramsCo2: 2 },
    ], { swarm: fake.swarm, models: ['tinycnn'], maxBatch: 4 });
    expect(await runner.submit('groupaaa', 'tinycnn', 6)).toMatchObject({ kind: 'queued', runId: 'groupaaa-1' });
    expect(await runner.submit('groupbbb', 'tinycnn', 6)).toEqual({
      kind: 'refused', runId: 'groupbbb-1', message: "refused: Group B's run needs about 6.00 gCO2 (6 x 1.00 g), 2.00 g of the 2.00 g budget are left",
    });
    await settled(runner);
    expect(runner.runs().map((r) => [r.runId, r.model, r.state, r.completed])).toEqual([['groupaaa-1', 'tinycnn', 'done', 6], ['groupbbb-1', 'tinycnn', 'refused', 0]]);
    expect(fake.grants).toEqual([{ model: 'tinycnn', inferences: 4 }, { model: 'tinycnn', inferences: 2 }]);
    expect(fake.overlapped()).toBe(false);
    expect(runner.tenants().map((t) => [t.tenantId, t.spentGramsCo2])).toEqual([['groupaaa', 6 * 0.9], ['groupbbb', 0]]);
  });

  it('stops a run whose budget runs out with the measured grams, never spending past the budget', async () => {
    const fake = fakeSwarm({ factor: 1 });
    const runner = new TenantRunner([{ tenantId: 'groupbbb', name: 'Group B', budgetGramsCo2: 5 }], { swarm: fake.swarm, models: ['tinycnn'], maxBatch: 2 });
    // 4 x 1 g predicted fits 5 g; reservations of 1.25 g each let 4 through in 2 + 1 + 1 grants.
    await runner.submit('groupbbb', 'tinycnn', 4);
    await settled(runner);
    const [view] = runner.runs();
    expect(view?.state).toBe('done');
    expect(runner.tenants()[0]!.spentGramsCo2).toBeLessThanOrEqual(5);
    const pricey = new TenantRunner([{ tenantId: 'groupbbb', name: 'Group B', budgetGramsCo2: 5 }], { swarm: fakeSwarm({ factor: 1.5 }).swarm, models: ['tinycnn'], maxBatch: 2 });
    await pricey.submit('groupbbb', 'tinycnn', 4);
    await settled(pricey);
    expect(pricey.runs()[0]).toMatchObject({ state: 'stopped', completed: 3, message: 'stopped: budget exhausted after 3 of 4 inferences (4.50 of 5.00 gCO2 spent)' });
    expect(pricey.statusOf('groupbbb')!.tenant.spentGramsCo2).toBeLessThanOrEqual(5);
  });

  it('holds grants while the swarm is busy with another run', async () => {
    let busy = true;
    const fake = fakeSwarm({ busy: () => busy });
    const runner = new TenantRunner([{ tenantId: 'groupaaa', name: 'A', budgetGramsCo2: 100 }], { swarm: fake.swarm, models: ['tinycnn'], pollMs: 5 });
    await runner.submit('groupaaa', 'tinycnn', 3);
    await new Promise((r) => setTimeout(r, 30));
    expect(fake.grants).toEqual([]);
    expect(runner.waiting).toBe(true);
    busy = false;
    await settled(runner);
    expect(fake.grants).toEqual([{ model: 'tinycnn', inferences: 3 }]);
    expect(runner.waiting).toBe(false);
  });

  it('stops a run the swarm cannot run instead of looping, with the error', async () => {
    const runner = new TenantRunner([{ tenantId: 'groupaaa', name: 'A', budgetGramsCo2: 100 }], { swarm: fakeSwarm({ fail: true }).swarm, models: ['tinycnn'] });
    await runner.submit('groupaaa', 'tinycnn', 3);
    await settled(runner);
    expect(runner.runs()[0]).toMatchObject({ state: 'stopped', completed: 0, message: 'stopped: the swarm completed none of 3 inference(s): no node is ready' });
  });

  it('refuses bad submissions with specific errors, before the broker sees them', async () => {
    const runner = new TenantRunner([{ tenantId: 'groupaaa', name: 'A', budgetGramsCo2: 100 }], {
      swarm: fakeSwarm({ busy: () => true }).swarm, models: ['tinycnn'], maxOpenRunsPerTenant: 2, pollMs: 5,
    });
    await expect(runner.submit('nobody00', 'tinycnn', 1)).rejects.toThrow('unknown tenant "nobody00"');
    await expect(runner.submit('groupaaa', 'gpt-5', 1)).rejects.toThrow('unknown model "gpt-5": pick one of tinycnn');
    await expect(runner.submit('groupaaa', 'tinycnn', 0)).rejects.toThrow('inferences must be a whole number from 1 to 10000, got 0');
    await expect(runner.submit('groupaaa', 'tinycnn', 10_001)).rejects.toThrow(TenantSubmitError);
    await runner.submit('groupaaa', 'tinycnn', 1);
    await runner.submit('groupaaa', 'tinycnn', 1);
    await expect(runner.submit('groupaaa', 'tinycnn', 1)).rejects.toThrow('2 runs of this tenant are still queued or running (at most 2): wait for one to end');
    const unplannable = new TenantRunner([{ tenantId: 'groupaaa', name: 'A', budgetGramsCo2: 1 }], { swarm: fakeSwarm({ predict: async () => { throw new Error('0 ready nodes'); } }).swarm, models: ['tinycnn'] });
    await expect(unplannable.submit('groupaaa', 'tinycnn', 1)).rejects.toThrow('cannot plan tinycnn on the nodes present: 0 ready nodes');
    expect(unplannable.runs()).toEqual([]);
    runner.stop();
  });

  it('shows a tenant only its own runs', async () => {
    const runner = new TenantRunner([
      { tenantId: 'groupaaa', name: 'A', budgetGramsCo2: 100 },
      { tenantId: 'groupbbb', name: 'B', budgetGramsCo2: 100 },
    ], { swarm: fakeSwarm().swarm, models: ['tinycnn'] });
    await runner.submit('groupaaa', 'tinycnn', 2);
    await runner.submit('groupbbb', 'tinycnn', 3);
    await settled(runner);
    expect(runner.statusOf('groupbbb')!.runs.map((r) => r.runId)).toEqual(['groupbbb-1']);
    expect(runner.statusOf('groupbbb')!.tenant.tenantId).toBe('groupbbb');
    expect(runner.statusOf('nobody00')).toBeUndefined();
  });
  it('stops a batch before the inference that could pass its reservation', () => {
    // Before any result: the prediction; after: the mean measured, each with a 1.25 margin.
    expect(grantOverReservation(0, 0, 5, 1)).toBe(false); // 0 + 1.25 <= 5
    expect(grantOverReservation(3, 1, 5, 1)).toBe(true); // 3 + 3.75 > 5: the prediction was 3x low
    expect(grantOverReservation(2, 2, 5, 1)).toBe(false); // 2 + 1.25 <= 5
    expect(grantOverReservation(4, 4, 5, 1)).toBe(true); // 4 + 1.25 > 5
  });

  it('keeps a tenant within its budget when the prediction is 3x too low (batches stop at their reservation)', async () => {
    const ran: number[] = [];
    const swarm: TenantSwarm = {
      predictGramsPerInference: async () => 1,
      // Each inference costs 3 g; like the page, send one at a time and stop at the reservation.
      async runGrant(_model, inferences, reserved): Promise<GrantResult> {
        let measured = 0;
        let completed = 0;
        while (completed < inferences) {
          measured += 3;
          completed++;
          if (completed < inferences && grantOverReservation(measured, completed, reserved, reserved / inferences)) break;
        }
        ran.push(completed);
        return { completed, measuredGramsCo2: measured };
      },
      busy: () => false,
    };
    const runner = new TenantRunner([{ tenantId: 'groupbbb', name: 'Group B', budgetGramsCo2: 12 }], { swarm, models: ['tinycnn'] });
    expect((await runner.submit('groupbbb', 'tinycnn', 6)).kind).toBe('queued'); // 6 predicted <= 12
    await settled(runner);
    const [run] = runner.runs();
    const [tenant] = runner.tenants();
    expect(tenant!.spentGramsCo2).toBeLessThanOrEqual(12);
    expect(tenant!.overdraftGramsCo2).toBe(0);
    // 7.5 g reserved: 2 inferences (6 g; a third could pass 7.5). Factor 3 learnt: 6 g left fits a
    // grant of 2 (6 g reserved), which stops after 1; 3 g left fit the last 1.
    expect(ran).toEqual([2, 1, 1]);
    expect(run).toMatchObject({ state: 'stopped', completed: 4, message: 'stopped: budget exhausted after 4 of 6 inferences (12.0 of 12.0 gCO2 spent)' });
  });
});
