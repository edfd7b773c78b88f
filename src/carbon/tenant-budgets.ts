/**
 * Carbon budgets between tenants sharing one swarm (issue 15). Pure and synchronous: the
 * coordinator asks for the next grant, runs it, settles it with what the ledger measured.
 *
 * - Admit or refuse: a run is refused at submission when its predicted grams exceed what the tenant
 *   has left (budget - spent - reserved - predicted grams of its other unfinished runs).
 * - Reserve before running: each grant reserves `inferences x predicted g/inference x reserve
 *   factor`; a grant is only given when the reservation fits in what is left, so spent + reserved
 *   never passes the budget.
 * - Settle with measured grams: the reservation is released and the measured grams are booked; the
 *   reserve factor per tenant learns from max(measured / predicted), so a prediction that was too
 *   low is corrected for the next grant. If one settlement exceeds its reservation (a prediction
 *   far too low) the overdraft is booked, reported, and the tenant gets nothing more.
 * - Slow: when what is left fits fewer inferences than a full batch, grants shrink to what fits.
 * - Stop: when not even one inference fits and nothing of the tenant's is in flight, its runs stop
 *   with a message naming the grams.
 * - Queue and share: grants go to the tenant with work whose served inferences / weight is lowest
 *   (max-min fairness by inference count), ties to the earliest submission; at most
 *   `maxGrantsInFlight` grants run at once, the rest wait.
 */

/** A tenant and its budget. */
export interface TenantSpec {
  readonly tenantId: string;
  /** Shown on the dashboard. */
  readonly name: string;
  /** Budget, gCO2e (operational + embodied, as the ledger totals). */
  readonly budgetGramsCo2: number;
  /** Share of the swarm relative to others (default 1). */
  readonly weight?: number;
  /** Grams already spent, carried over (e.g. kept across a coordinator reload); default 0. */
  readonly spentGramsCo2?: number;
}

/** A run a tenant submits. */
export interface RunSubmission {
  readonly runId: string;
  readonly tenantId: string;
  readonly inferences: number;
  /** Planner's predicted gCO2e per inference (> 0). */
  readonly predictedGramsPerInference: number;
}

/** State of a run. */
export type BudgetRunState = 'queued' | 'running' | 'done' | 'stopped' | 'refused';

/** A run as the dashboard shows it. */
export interface BudgetRunView {
  readonly runId: string;
  readonly tenantId: string;
  readonly state: BudgetRunState;
  readonly inferences: number;
  readonly completed: number;
  readonly inFlight: number;
  readonly measuredGramsCo2: number;
  /** The planner's gCO2e per inference the run was submitted with (what its reservations are made from). */
  readonly predictedGramsPerInference: number;
  /** Why it was refused or stopped, or why it waits. */
  readonly message: string | null;
}

/** A tenant as the dashboard shows it. */
export interface TenantView {
  readonly tenantId: string;
  readonly name: string;
  readonly budgetGramsCo2: number;
  readonly spentGramsCo2: number;
  readonly reservedGramsCo2: number;
  readonly remainingGramsCo2: number;
  /** Grams booked beyond the budget by a settlement that exceeded its reservation (0 normally). */
  readonly overdraftGramsCo2: number;
  readonly servedInferences: number;
  readonly reserveFactor: number;
}

/** Work handed to the swarm. */
export interface BudgetGrant {
  readonly grantId: number;
  readonly runId: string;
  readonly tenantId: string;
  readonly inferences: number;
  readonly reservedGramsCo2: number;
}

/** Answer to a submission. */
export type SubmitDecision =
  | { readonly kind: 'queued'; readonly runId: string; readonly message: string }
  | { readonly kind: 'refused'; readonly runId: string; readonly message: string };

/** Bad input (unknown tenant, bad numbers, unknown grant). */
export class BudgetError extends Error {
  override name = 'BudgetError';
}

/** Options of {@link TenantBudgetBroker}. */
export interface BrokerOptions {
  /** Largest grant, inferences (default 8). */
  readonly maxBatch?: number;
  /** Grants running at once across tenants (default 4). */
  readonly maxGrantsInFlight?: number;
  /** Initial reserve factor over the prediction (default 1.25); learnt upward per tenant. */
  readonly reserveFactor?: number;
  /**
   * Grams with their unit in messages, e.g. src/ui/format.ts formatGramsCo2 (`12.3 ugCO2`, never
   * e-notation). Default: three significant digits followed by ` g` / ` gCO2`.
   */
  readonly formatGrams?: (grams: number) => string;
}

interface Tenant {
  readonly spec: TenantSpec;
  readonly weight: number;
  spent: number;
  reserved: number;
  overdraft: number;
  served: number;
  factor: number;
}

interface Run {
  readonly submission: RunSubmission;
  readonly order: number;
  state: BudgetRunState;
  granted: number;
  completed: number;
  inFlight: number;
  measured: number;
  message: string | null;
  cancelled: boolean;
}

function fmt(grams: number): string {
  return grams.toPrecision(3);
}

/** Grams in a message: the caller's formatter (number and unit), else `fmt` and `unit` (none when ''). */
type GramsText = (grams: number, unit: '' | 'g' | 'gCO2') => string;

/** The budget broker (see the file comment). */
export class TenantBudgetBroker {
  readonly #tenants = new Map<string, Tenant>();
  readonly #runs = new Map<string, Run>();
  readonly #grants = new Map<number, BudgetGrant>();
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #initialFactor: number;
  readonly #g: GramsText;
  #nextGrantId = 1;
  #order = 0;

  constructor(tenants: readonly TenantSpec[], options: BrokerOptions = {}) {
    this.#maxBatch = options.maxBatch ?? 8;
    this.#maxInFlight = options.maxGrantsInFlight ?? 4;
    this.#initialFactor = options.reserveFactor ?? 1.25;
    const custom = options.formatGrams;
    this.#g = custom ? (grams) => custom(grams) : (grams, unit) => (unit ? `${fmt(grams)} ${unit}` : fmt(grams));
    if (!Number.isInteger(this.#maxBatch) || this.#maxBatch < 1) throw new BudgetError(`maxBatch must be a whole number >= 1, got ${this.#maxBatch}`);
    if (!Number.isInteger(this.#maxInFlight) || this.#maxInFlight < 1) throw new BudgetError(`maxGrantsInFlight must be a whole number >= 1, got ${this.#maxInFlight}`);
    if (!(this.#initialFactor >= 1) || !Number.isFinite(this.#initialFactor)) throw new BudgetError(`reserveFactor must be >= 1, got ${this.#initialFactor}`);
    for (const spec of tenants) this.addTenant(spec);
  }

  /** Add a tenant (ids are unique). */
  addTenant(spec: TenantSpec): void {
    if (typeof spec.tenantId !== 'string' || spec.tenantId.trim() === '') throw new BudgetError(`tenantId must be a non-empty string, got ${JSON.stringify(spec.tenantId)}`);
    if (this.#tenants.has(spec.tenantId)) throw new BudgetError(`tenant ${spec.tenantId} already exists`);
    if (!(spec.budgetGramsCo2 >= 0) || !Number.isFinite(spec.budgetGramsCo2)) throw new BudgetError(`budget of ${spec.tenantId} must be a finite number of grams >= 0, got ${spec.budgetGramsCo2}`);
    const weight = spec.weight ?? 1;
    if (!(weight > 0) || !Number.isFinite(weight)) throw new BudgetError(`weight of ${spec.tenantId} must be > 0, got ${weight}`);
    const spent = spec.spentGramsCo2 ?? 0;
    if (!(spent >= 0) || !Number.isFinite(spent)) throw new BudgetError(`grams already spent by ${spec.tenantId} must be a finite number >= 0, got ${spent}`);
    const overdraft = Math.max(0, spent - spec.budgetGramsCo2);
    this.#tenants.set(spec.tenantId, { spec, weight, spent, reserved: 0, overdraft, served: 0, factor: this.#initialFactor });
  }

  #tenant(tenantId: string): Tenant {
    const tenant = this.#tenants.get(tenantId);
    if (!tenant) throw new BudgetError(`unknown tenant ${JSON.stringify(tenantId)}`);
    return tenant;
  }

  #left(tenant: Tenant): number {
    return tenant.spec.budgetGramsCo2 - tenant.spent - tenant.reserved;
  }

  /** Predicted grams of a tenant's unfinished runs not yet granted (what is promised but not reserved). */
  #promised(tenantId: string, except?: string): number {
    let grams = 0;
    for (const run of this.#runs.values()) {
      if (run.submission.tenantId !== tenantId || run.submission.runId === except) continue;
      if (run.state === 'queued' || run.state === 'running') grams += (run.submission.inferences - run.granted) * run.submission.predictedGramsPerInference;
    }
    return grams;
  }

  /** Submit a run: queued (admitted, waits for its share) or refused with the numbers. */
  submit(submission: RunSubmission): SubmitDecision {
    const tenant = this.#tenant(submission.tenantId);
    if (typeof submission.runId !== 'string' || submission.runId === '' || this.#runs.has(submission.runId)) throw new BudgetError(`runId must be new and non-empty, got ${JSON.stringify(submission.runId)}`);
    if (!Number.isInteger(submission.inferences) || submission.inferences < 1) throw new BudgetError(`run ${submission.runId}: inferences must be a whole number >= 1, got ${submission.inferences}`);
    if (!(submission.predictedGramsPerInference > 0) || !Number.isFinite(submission.predictedGramsPerInference)) {
      throw new BudgetError(`run ${submission.runId}: predictedGramsPerInference must be > 0, got ${submission.predictedGramsPerInference}`);
    }
    const predicted = submission.inferences * submission.predictedGramsPerInference;
    const left = this.#left(tenant) - this.#promised(tenant.spec.tenantId);
    const run: Run = { submission, order: this.#order++, state: 'queued', granted: 0, completed: 0, inFlight: 0, measured: 0, message: null, cancelled: false };
    this.#runs.set(submission.runId, run);
    if (predicted > left) {
      run.state = 'refused';
      const g = this.#g;
      run.message = `refused: ${tenant.spec.name}'s run needs about ${g(predicted, 'gCO2')} (${submission.inferences} x ${g(submission.predictedGramsPerInference, 'g')}), ${g(Math.max(0, left), 'g')} of the ${g(tenant.spec.budgetGramsCo2, 'g')} budget are left`;
      return { kind: 'refused', runId: submission.runId, message: run.message };
    }
    run.message = 'queued: waiting for its share of the swarm';
    return { kind: 'queued', runId: submission.runId, message: run.message };
  }

  /** Cancel a run's remaining work (its grants in flight still settle). */
  cancel(runId: string, reason = 'cancelled'): void {
    const run = this.#runs.get(runId);
    if (!run) throw new BudgetError(`unknown run ${JSON.stringify(runId)}`);
    if (run.state === 'queued' || run.state === 'running') {
      run.cancelled = true;
      run.message = reason;
      if (run.inFlight === 0) run.state = 'stopped';
    }
  }

  /** Stop every unfinished run of a tenant that cannot afford one more inference. */
  #stopIfBroke(tenant: Tenant): void {
    for (const run of this.#runs.values()) {
      if (run.submission.tenantId !== tenant.spec.tenantId || (run.state !== 'queued' && run.state !== 'running') || run.cancelled) continue;
      if (run.granted >= run.submission.inferences) continue;
      const one = run.submission.predictedGramsPerInference * tenant.factor;
      const inFlight = [...this.#runs.values()].some((r) => r.submission.tenantId === tenant.spec.tenantId && r.inFlight > 0);
      if ((this.#left(tenant) < one || tenant.overdraft > 0) && !inFlight) {
        run.state = 'stopped';
        const g = this.#g;
        run.message = `stopped: budget exhausted after ${run.completed} of ${run.submission.inferences} inferences (${g(tenant.spent, '')} of ${g(tenant.spec.budgetGramsCo2, 'gCO2')} spent${tenant.overdraft > 0 ? `, ${g(tenant.overdraft, 'g')} over` : ''})`;
      }
    }
  }

  /**
   * The next grant to run, or undefined when the swarm is full or no tenant with work can afford
   * one more inference now. Call again after each settle.
   */
  nextGrant(): BudgetGrant | undefined {
    if (this.#grants.size >= this.#maxInFlight) return undefined;
    const candidates: Array<{ tenant: Tenant; run: Run }> = [];
    for (const tenant of this.#tenants.values()) {
      const run = [...this.#runs.values()]
        .filter((r) => r.submission.tenantId === tenant.spec.tenantId && (r.state === 'queued' || r.state === 'running') && !r.cancelled && r.granted < r.submission.inferences)
        .sort((a, b) => a.order - b.order)[0];
      if (!run || tenant.overdraft > 0) continue;
      const perInference = run.submission.predictedGramsPerInference * tenant.factor;
      if (this.#left(tenant) < perInference) {
        this.#stopIfBroke(tenant);
        continue;
      }
      candidates.push({ tenant, run });
    }
    if (candidates.length === 0) return undefined;
    candidates.sort((a, b) => a.tenant.served / a.tenant.weight - b.tenant.served / b.tenant.weight || a.run.order - b.run.order);
    const { tenant, run } = candidates[0]!;
    const perInference = run.submission.predictedGramsPerInference * tenant.factor;
    const fits = Math.floor(this.#left(tenant) / perInference + 1e-12);
    const full = Math.min(this.#maxBatch, run.submission.inferences - run.granted);
    const inferences = Math.min(full, fits);
    const reservedGramsCo2 = inferences * perInference;
    const slowed = inferences < full ? `slowed: ${this.#g(this.#left(tenant), 'g')} left fits ${inferences} inference(s) at a time` : null;
    const grant: BudgetGrant = { grantId: this.#nextGrantId++, runId: run.submission.runId, tenantId: tenant.spec.tenantId, inferences, reservedGramsCo2 };
    this.#grants.set(grant.grantId, grant);
    tenant.reserved += reservedGramsCo2;
    tenant.served += inferences;
    run.granted += inferences;
    run.inFlight += inferences;
    run.state = 'running';
    run.message = slowed;
    return grant;
  }

  /**
   * Settle a grant with what ran and what the ledger measured for it. Inferences not completed are
   * given back to the run (they will be granted again).
   */
  settle(grantId: number, result: { readonly completed: number; readonly measuredGramsCo2: number }): void {
    const grant = this.#grants.get(grantId);
    if (!grant) throw new BudgetError(`unknown or already settled grant ${grantId}`);
    if (!Number.isInteger(result.completed) || result.completed < 0 || result.completed > grant.inferences) {
      throw new BudgetError(`grant ${grantId}: completed must be a whole number in 0..${grant.inferences}, got ${result.completed}`);
    }
    if (!(result.measuredGramsCo2 >= 0) || !Number.isFinite(result.measuredGramsCo2)) throw new BudgetError(`grant ${grantId}: measured grams must be >= 0, got ${result.measuredGramsCo2}`);
    this.#grants.delete(grantId);
    const tenant = this.#tenant(grant.tenantId);
    const run = this.#runs.get(grant.runId)!;
    tenant.reserved = Math.max(0, tenant.reserved - grant.reservedGramsCo2);
    tenant.spent += result.measuredGramsCo2;
    tenant.served -= grant.inferences - result.completed;
    if (tenant.spent > tenant.spec.budgetGramsCo2) tenant.overdraft = tenant.spent - tenant.spec.budgetGramsCo2;
    if (result.completed > 0) {
      const ratio = result.measuredGramsCo2 / (result.completed * run.submission.predictedGramsPerInference);
      tenant.factor = Math.max(tenant.factor, ratio);
    }
    run.inFlight -= grant.inferences;
    run.completed += result.completed;
    run.measured += result.measuredGramsCo2;
    run.granted -= grant.inferences - result.completed;
    if (run.state === 'running' || run.state === 'queued') {
      if (run.completed >= run.submission.inferences) {
        run.state = 'done';
        run.message = null;
      } else if (run.inFlight === 0 && run.cancelled) {
        run.state = 'stopped';
      } else if (run.inFlight === 0) {
        run.state = 'queued';
      }
    }
    this.#stopIfBroke(tenant);
  }

  /** Every tenant with its grams against budget. */
  tenants(): TenantView[] {
    return [...this.#tenants.values()].map((t) => ({
      tenantId: t.spec.tenantId,
      name: t.spec.name,
      budgetGramsCo2: t.spec.budgetGramsCo2,
      spentGramsCo2: t.spent,
      reservedGramsCo2: t.reserved,
      remainingGramsCo2: Math.max(0, this.#left(t)),
      overdraftGramsCo2: t.overdraft,
      servedInferences: t.served,
      reserveFactor: t.factor,
    }));
  }

  /** Every run, in submission order. */
  runs(): BudgetRunView[] {
    return [...this.#runs.values()].sort((a, b) => a.order - b.order).map((r) => ({
      runId: r.submission.runId,
      tenantId: r.submission.tenantId,
      state: r.state,
      inferences: r.submission.inferences,
      completed: r.completed,
      inFlight: r.inFlight,
      measuredGramsCo2: r.measured,
      predictedGramsPerInference: r.submission.predictedGramsPerInference,
      message: r.message,
    }));
  }

  /** Grants not yet settled. */
  grantsInFlight(): BudgetGrant[] {
    return [...this.#grants.values()];
  }
}
