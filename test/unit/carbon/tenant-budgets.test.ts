import { describe, expect, it } from 'vitest';
import { BudgetError, TenantBudgetBroker, type BudgetGrant } from '../../../src/carbon/tenant-budgets';

/** Run the broker to completion: grant, then settle each grant with the grams `measure` says. */
function drain(broker: TenantBudgetBroker, measure: (g: BudgetGrant) => number, onStep?: () => void): number {
  let steps = 0;
  for (;;) {
    const grant = broker.nextGrant() ?? broker.grantsInFlight()[0];
    if (!grant) return steps;
    broker.settle(grant.grantId, { completed: grant.inferences, measuredGramsCo2: measure(grant) });
    onStep?.();
    steps++;
  }
}

describe('TenantBudgetBroker', () => {
  it('reserves predicted grams before running and settles with measured ones (hand calculation)', () => {
    const broker = new TenantBudgetBroker([{ tenantId: 'a', name: 'Group A', budgetGramsCo2: 10 }], { maxBatch: 4 });
    expect(broker.submit({ runId: 'big', tenantId: 'a', inferences: 20, predictedGramsPerInference: 1 })).toEqual({
      kind: 'refused', runId: 'big', message: "refused: Group A's run needs about 20.0 gCO2 (20 x 1.00 g), 10.0 g of the 10.0 g budget are left",
    });
    expect(broker.submit({ runId: 'r1', tenantId: 'a', inferences: 8, predictedGramsPerInference: 1 }).kind).toBe('queued');
    const g1 = broker.nextGrant()!;
    const g2 = broker.nextGrant()!;
    expect([g1.inferences, g1.reservedGramsCo2, g2.inferences, g2.reservedGramsCo2]).toEqual([4, 5, 4, 5]); // 4 x 1 g x 1.25
    expect(broker.nextGrant()).toBeUndefined(); // all 8 granted
    expect(broker.tenants()[0]).toMatchObject({ spentGramsCo2: 0, reservedGramsCo2: 10, remainingGramsCo2: 0 });
    broker.settle(g1.grantId, { completed: 4, measuredGramsCo2: 3.6 });
    broker.settle(g2.grantId, { completed: 4, measuredGramsCo2: 3.6 });
    expect(broker.tenants()[0]).toMatchObject({ spentGramsCo2: 7.2, reservedGramsCo2: 0, remainingGramsCo2: expect.closeTo(2.8, 12), reserveFactor: 1.25 });
    expect(broker.runs().find((r) => r.runId === 'r1')).toMatchObject({ state: 'done', completed: 8, measuredGramsCo2: 7.2, predictedGramsPerInference: 1 });
  });

  it('slows a tenant near its budget, then stops its run with a clear message', () => {
    const broker = new TenantBudgetBroker([{ tenantId: 'a', name: 'Group A', budgetGramsCo2: 3 }], { maxBatch: 8 });
    broker.submit({ runId: 'r', tenantId: 'a', inferences: 3, predictedGramsPerInference: 1 });
    const grant = broker.nextGrant()!;
    expect(grant.inferences).toBe(2); // 3 g left fits two reservations of 1.25 g
    expect(broker.runs()[0]?.message).toBe('slowed: 3.00 g left fits 2 inference(s) at a time');
    broker.settle(grant.grantId, { completed: 2, measuredGramsCo2: 2 });
    expect(broker.nextGrant()).toBeUndefined();
    expect(broker.runs()[0]).toMatchObject({ state: 'stopped', completed: 2, message: 'stopped: budget exhausted after 2 of 3 inferences (2.00 of 3.00 gCO2 spent)' });
  });

  it('stops one tenant whose budget runs out while the other completes, both shown against budget', () => {
    const broker = new TenantBudgetBroker([
      { tenantId: 'poor', name: 'Group P', budgetGramsCo2: 5 },
      { tenantId: 'rich', name: 'Group R', budgetGramsCo2: 100 },
    ], { maxBatch: 2, maxGrantsInFlight: 2 });
    broker.submit({ runId: 'p', tenantId: 'poor', inferences: 4, predictedGramsPerInference: 1 });
    broker.submit({ runId: 'r', tenantId: 'rich', inferences: 20, predictedGramsPerInference: 1 });
    // The poor tenant's inferences cost 1.5x the prediction: after its first grant the broker learns
    // the factor 1.5, grants one inference (1.5 g) into the 2 g left, then stops it at 4.5 g.
    drain(broker, (g) => g.inferences * (g.tenantId === 'poor' ? 1.5 : 0.8)); // predictions are 1 g each
    const [p, r] = broker.runs();
    expect(r).toMatchObject({ state: 'done', completed: 20 });
    expect(p?.state).toBe('stopped');
    expect(p?.message).toBe('stopped: budget exhausted after 3 of 4 inferences (4.50 of 5.00 gCO2 spent)');
    const [poor, rich] = broker.tenants();
    expect(poor).toMatchObject({ spentGramsCo2: expect.closeTo(4.5, 12), reserveFactor: 1.5, remainingGramsCo2: expect.closeTo(0.5, 12) });
    expect(poor!.overdraftGramsCo2).toBe(0);
    expect(rich!.spentGramsCo2).toBeCloseTo(16, 9);
  });

  it('shares the swarm fairly among tenants with work (by weight)', () => {
    const broker = new TenantBudgetBroker([
      { tenantId: 'a', name: 'A', budgetGramsCo2: 1e6 },
      { tenantId: 'b', name: 'B', budgetGramsCo2: 1e6 },
      { tenantId: 'c', name: 'C', budgetGramsCo2: 1e6, weight: 2 },
    ], { maxBatch: 4, maxGrantsInFlight: 1 });
    for (const t of ['a', 'b', 'c']) broker.submit({ runId: t, tenantId: t, inferences: 400, predictedGramsPerInference: 0.01 });
    const servedWhileAllBusy: number[][] = [];
    drain(broker, (g) => g.inferences * 0.01, () => {
      if (broker.runs().every((r) => r.state !== 'done')) servedWhileAllBusy.push(broker.tenants().map((t) => t.servedInferences));
    });
    expect(servedWhileAllBusy.length).toBeGreaterThan(100);
    for (const [a, b, c] of servedWhileAllBusy) {
      expect(Math.abs(a! - b!)).toBeLessThanOrEqual(4);
      expect(Math.abs(c! / 2 - a!)).toBeLessThanOrEqual(4);
    }
    expect(broker.runs().map((r) => r.state)).toEqual(['done', 'done', 'done']);
  });

  it('never lets any tenant exceed its budget under many concurrent submitters (seeded)', () => {
    let seed = 2026;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const outcomes = { done: 0, stopped: 0, refused: 0, slowed: 0 };
    for (let trial = 0; trial < 20; trial++) {
      const tenants = Array.from({ length: 6 }, (_, i) => ({ tenantId: `t${i}`, name: `T${i}`, budgetGramsCo2: 1 + random() * 20 }));
      const broker = new TenantBudgetBroker(tenants, { maxBatch: 1 + Math.floor(random() * 6), maxGrantsInFlight: 1 + Math.floor(random() * 5) });
      let submitted = 0;
      const submittedRuns: Array<{ runId: string; predictedGramsPerInference: number }> = [];
      const check = () => {
        for (const t of broker.tenants()) {
          expect(t.spentGramsCo2 + t.reservedGramsCo2, `trial ${trial} ${t.tenantId}`).toBeLessThanOrEqual(t.budgetGramsCo2 + 1e-9);
          expect(t.overdraftGramsCo2).toBe(0);
        }
      };
      for (let step = 0; step < 600; step++) {
        const dice = random();
        if (dice < 0.25 && submitted < 60) {
          const tenant = tenants[Math.floor(random() * tenants.length)]!;
          const run = { runId: `r${submitted++}`, tenantId: tenant.tenantId, inferences: 1 + Math.floor(random() * 30), predictedGramsPerInference: 0.05 + random() * 0.5 };
          submittedRuns.push(run);
          broker.submit(run);
        } else if (dice < 0.6) {
          broker.nextGrant();
          if (broker.runs().some((r) => r.message?.startsWith('slowed'))) outcomes.slowed++;
        } else {
          const inFlight = broker.grantsInFlight();
          const grant = inFlight[Math.floor(random() * inFlight.length)];
          if (grant) {
            const completed = random() < 0.1 ? Math.floor(random() * grant.inferences) : grant.inferences; // a node loss loses some
            // Measured between 80% and 120% of the prediction (the reserve factor is 1.25).
            const perInference = submittedRuns.find((r) => r.runId === grant.runId)!.predictedGramsPerInference;
            broker.settle(grant.grantId, { completed, measuredGramsCo2: perInference * completed * (0.8 + 0.4 * random()) });
          }
        }
        check();
      }
      const predicted = new Map(submittedRuns.map((r) => [r.runId, r.predictedGramsPerInference]));
      drain(broker, (g) => g.inferences * predicted.get(g.runId)! * (0.8 + 0.4 * random()), check);
      const states = broker.runs().map((r) => r.state);
      expect(states.every((s) => s === 'done' || s === 'stopped' || s === 'refused'), `trial ${trial}`).toBe(true);
      expect(broker.runs().some((r) => r.completed > 0)).toBe(true);
      for (const r of broker.runs()) outcomes[r.state as 'done' | 'stopped' | 'refused']++;
    }
    // The budgets bound: every outcome happened, so the invariant was tested where it matters.
    expect(outcomes.done).toBeGreaterThan(50);
    expect(outcomes.stopped).toBeGreaterThan(5);
    expect(outcomes.refused).toBeGreaterThan(50);
    expect(outcomes.slowed).toBeGreaterThan(0);
  });

  it('books an overdraft when a prediction was far too low, learns from it and stops the tenant', () => {
    const broker = new TenantBudgetBroker([{ tenantId: 'a', name: 'A', budgetGramsCo2: 10 }], { maxBatch: 4, reserveFactor: 1 });
    broker.submit({ runId: 'r', tenantId: 'a', inferences: 8, predictedGramsPerInference: 1 });
    const g1 = broker.nextGrant()!;
    const g2 = broker.nextGrant()!;
    broker.settle(g1.grantId, { completed: 4, measuredGramsCo2: 8 }); // twice the prediction
    expect(broker.tenants()[0]).toMatchObject({ reserveFactor: 2, spentGramsCo2: 8 });
    broker.settle(g2.grantId, { completed: 4, measuredGramsCo2: 8 });
    expect(broker.tenants()[0]).toMatchObject({ spentGramsCo2: 16, overdraftGramsCo2: 6 });
    expect(broker.nextGrant()).toBeUndefined();
    expect(broker.runs()[0]).toMatchObject({ state: 'done' }); // it had all it asked; the overdraft is reported, not hidden
  });

  it('refuses bad input with specific errors', () => {
    const broker = new TenantBudgetBroker([{ tenantId: 'a', name: 'A', budgetGramsCo2: 10 }]);
    expect(() => broker.submit({ runId: 'x', tenantId: 'zz', inferences: 1, predictedGramsPerInference: 1 })).toThrow('unknown tenant "zz"');
    expect(() => broker.submit({ runId: 'x', tenantId: 'a', inferences: 0, predictedGramsPerInference: 1 })).toThrow(/whole number >= 1/);
    expect(() => broker.submit({ runId: 'x', tenantId: 'a', inferences: 1, predictedGramsPerInference: 0 })).toThrow(/predictedGramsPerInference must be > 0/);
    expect(() => new TenantBudgetBroker([{ tenantId: 'a', name: 'A', budgetGramsCo2: -1 }])).toThrow(BudgetError);
    expect(() => new TenantBudgetBroker([{ tenantId: 'a', name: 'A', budgetGramsCo2: 1 }, { tenantId: 'a', name: 'B', budgetGramsCo2: 1 }])).toThrow(/already exists/);
    expect(() => broker.settle(99, { completed: 0, measuredGramsCo2: 0 })).toThrow('unknown or already settled grant 99');
    broker.submit({ runId: 'ok', tenantId: 'a', inferences: 2, predictedGramsPerInference: 1 });
    const grant = broker.nextGrant()!;
    expect(() => broker.settle(grant.grantId, { completed: 3, measuredGramsCo2: 1 })).toThrow(/completed must be a whole number in 0..2/);
    broker.cancel('ok', 'cancelled by Group A');
    broker.settle(grant.grantId, { completed: 1, measuredGramsCo2: 1 });
    expect(broker.runs()[0]).toMatchObject({ state: 'stopped', completed: 1, message: 'cancelled by Group A' });
    expect(broker.nextGrant()).toBeUndefined();
  });
  it('names grams with the caller\'s formatter (number and unit) in every message', () => {
    const text = (g: number) => `${(g * 1e6).toFixed(1)} ugCO2`;
    const broker = new TenantBudgetBroker([{ tenantId: 'a', name: 'A', budgetGramsCo2: 3e-6 }], { maxBatch: 8, formatGrams: text });
    expect(broker.submit({ runId: 'big', tenantId: 'a', inferences: 4, predictedGramsPerInference: 1e-6 }).message)
      .toBe("refused: A's run needs about 4.0 ugCO2 (4 x 1.0 ugCO2), 3.0 ugCO2 of the 3.0 ugCO2 budget are left");
    broker.submit({ runId: 'r', tenantId: 'a', inferences: 3, predictedGramsPerInference: 1e-6 });
    const grant = broker.nextGrant()!;
    expect(broker.runs()[1]?.message).toBe('slowed: 3.0 ugCO2 left fits 2 inference(s) at a time');
    broker.settle(grant.grantId, { completed: 2, measuredGramsCo2: 2e-6 });
    expect(broker.nextGrant()).toBeUndefined();
    expect(broker.runs()[1]?.message).toBe('stopped: budget exhausted after 2 of 3 inferences (2.0 ugCO2 of 3.0 ugCO2 spent)');
  });
  it('carries grams already spent over (a coordinator reload): they count against the budget', () => {
    const broker = new TenantBudgetBroker([
      { tenantId: 'a', name: 'A', budgetGramsCo2: 10, spentGramsCo2: 8 },
      { tenantId: 'b', name: 'B', budgetGramsCo2: 10, spentGramsCo2: 12 },
    ]);
    expect(broker.tenants().map((t) => [t.spentGramsCo2, t.remainingGramsCo2, t.overdraftGramsCo2])).toEqual([[8, 2, 0], [12, 0, 2]]);
    expect(broker.submit({ runId: 'r', tenantId: 'a', inferences: 3, predictedGramsPerInference: 1 }).message)
      .toBe("refused: A's run needs about 3.00 gCO2 (3 x 1.00 g), 2.00 g of the 10.0 g budget are left");
    expect(() => new TenantBudgetBroker([{ tenantId: 'c', name: 'C', budgetGramsCo2: 1, spentGramsCo2: -1 }])).toThrow('grams already spent by c must be a finite number >= 0, got -1');
  });
});
