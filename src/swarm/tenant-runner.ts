/**
 * Runs tenants' work on the swarm under their carbon budgets (issue 15, "Budgets between people").
 * The budget logic is the broker's (src/carbon/tenant-budgets.ts): this module predicts a
 * submission's grams per inference from a plan, submits it, then takes the broker's grants one at a
 * time, runs each through the swarm (the caller's `runGrant`, on the page startRunSession with the
 * default configuration) and settles it with the grams that run's ledger measured.
 *
 * - One grant at a time: tenant work and the swarm's other runs never overlap, every grant gets the
 *   whole swarm, and the ledger of a grant's run is that grant's grams alone.
 * - `busy()` (the Run panel or "compare modes" running) holds the next grant until it is false;
 *   the page disables its own Run and Compare buttons while {@link TenantRunner.active}.
 * - A grant that completes nothing (the swarm failed) stops its run with the error, so a broken
 *   swarm never loops; a grant that completed part goes back to the broker, which grants the rest.
 * - A grant stops at its reservation: `runGrant` sends one inference at a time and does not send
 *   the next when the grams measured so far plus one more could pass what the broker reserved
 *   ({@link grantOverReservation}); the broker then learns the measured ratio, so a prediction that
 *   was too low costs at most the reservation, never more than the budget.
 *
 * Pure of the DOM and of PeerJS: the page injects planning and running (src/ui/tenant-swarm.ts),
 * tests inject fakes.
 */
import { TenantBudgetBroker, type BudgetRunView, type SubmitDecision, type TenantSpec, type TenantView } from '../carbon/tenant-budgets';
import { MAX_TENANT_RUNS, TENANT_INFERENCES, type TenantBudgetStatus, type TenantRunStatus } from '../protocol/tenant-messages';

/** What one grant's run did. */
export interface GrantResult {
  /** Inferences that returned a result. */
  readonly completed: number;
  /** Grams the run's ledger measured (operational + embodied), gCO2e. */
  readonly measuredGramsCo2: number;
  /** Why requests failed, when some did. */
  readonly error?: string;
}

/** How the runner plans and runs (the page's swarm, or fakes). */
export interface TenantSwarm {
  /** Predicted gCO2e per inference of `model` on the nodes present; throws with a reason when it cannot plan. */
  predictGramsPerInference(model: string): Promise<number>;
  /**
   * Run `inferences` of `model` through the swarm and measure them, stopping early (before the
   * next inference is sent) once the measured grams could pass `reservedGramsCo2`
   * ({@link grantOverReservation}).
   */
  runGrant(model: string, inferences: number, reservedGramsCo2: number): Promise<GrantResult>;
  /** True while another run uses the swarm (the Run panel, compare modes): grants wait. */
  busy(): boolean;
}

/** Options of {@link TenantRunner}. */
export interface TenantRunnerOptions {
  readonly swarm: TenantSwarm;
  /** Catalogue models tenants may submit. */
  readonly models: readonly string[];
  /** Largest grant, inferences (default 8). */
  readonly maxBatch?: number;
  /** Grams with their unit in the broker's messages (the page passes formatGramsCo2). */
  readonly formatGrams?: (grams: number) => string;
  /** Unfinished runs a tenant may have at once (default 5). */
  readonly maxOpenRunsPerTenant?: number;
  /** How often a held grant checks `busy()` again, ms (default 500). */
  readonly pollMs?: number;
}

/** Margin over the measured grams per inference when deciding whether one more fits a reservation. */
export const NEXT_INFERENCE_MARGIN = 1.25;

/**
 * Whether a grant must stop before its next inference: the grams measured so far plus one more
 * inference (the mean measured so far, or the prediction before any completed, times
 * {@link NEXT_INFERENCE_MARGIN}) would pass the grant's reservation. This is what keeps a tenant
 * within its budget when the prediction was too low: the broker reserves from the prediction, the
 * run stops at the reservation, and the broker learns the measured ratio for the next grant.
 */
export function grantOverReservation(measuredGramsCo2: number, completed: number, reservedGramsCo2: number, predictedGramsPerInference: number): boolean {
  const perInference = completed > 0 ? measuredGramsCo2 / completed : predictedGramsPerInference;
  return measuredGramsCo2 + perInference * NEXT_INFERENCE_MARGIN > reservedGramsCo2;
}

/** A submission the runner did not take (never reached the broker). */
export class TenantSubmitError extends Error {
  override name = 'TenantSubmitError';
}

/** The broker plus the loop that runs its grants (see the file comment). */
export class TenantRunner {
  readonly broker: TenantBudgetBroker;
  readonly #swarm: TenantSwarm;
  readonly #models: readonly string[];
  readonly #maxOpen: number;
  readonly #pollMs: number;
  readonly #modelOf = new Map<string, string>();
  readonly #listeners = new Set<() => void>();
  readonly #counter = new Map<string, number>();
  #pumping = false;
  #active = false;
  #waiting = false;
  #stopped = false;

  constructor(tenants: readonly TenantSpec[], options: TenantRunnerOptions) {
    this.#swarm = options.swarm;
    this.#models = options.models;
    this.#maxOpen = options.maxOpenRunsPerTenant ?? 5;
    this.#pollMs = options.pollMs ?? 500;
    this.broker = new TenantBudgetBroker(tenants, {
      maxGrantsInFlight: 1,
      ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
      ...(options.formatGrams ? { formatGrams: options.formatGrams } : {}),
    });
  }

  /** Subscribe to any change of tenants, runs or the runner's state. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit(): void {
    for (const fn of this.#listeners) fn();
  }

  /** Catalogue models tenants may submit. */
  get models(): readonly string[] {
    return this.#models;
  }

  /** True while a grant runs on the swarm (other runs must wait). */
  get active(): boolean {
    return this.#active;
  }

  /** True while a grant is held because another run uses the swarm. */
  get waiting(): boolean {
    return this.#waiting;
  }

  /** Add a tenant (the broker checks the spec). */
  addTenant(spec: TenantSpec): void {
    this.broker.addTenant(spec);
    this.#emit();
  }

  /**
   * Submit `inferences` of `model` for `tenantId`: checked, predicted on the nodes present, then
   * queued or refused by the broker (the decision carries its message). Throws TenantSubmitError
   * when the submission itself is not acceptable (unknown model, bad count, too many runs, no plan).
   */
  async submit(tenantId: string, model: string, inferences: number): Promise<SubmitDecision> {
    if (this.#stopped) throw new TenantSubmitError('the coordinator is closing: submit again after it reopens');
    if (!this.broker.tenants().some((t) => t.tenantId === tenantId)) throw new TenantSubmitError(`unknown tenant ${JSON.stringify(tenantId)}`);
    if (!this.#models.includes(model)) throw new TenantSubmitError(`unknown model ${JSON.stringify(model.slice(0, 64))}: pick one of ${this.#models.join(', ')}`);
    if (!Number.isInteger(inferences) || inferences < TENANT_INFERENCES.min || inferences > TENANT_INFERENCES.max) {
      throw new TenantSubmitError(`inferences must be a whole number from ${TENANT_INFERENCES.min} to ${TENANT_INFERENCES.max}, got ${inferences}`);
    }
    const mine = this.broker.runs().filter((r) => r.tenantId === tenantId);
    const open = mine.filter((r) => r.state === 'queued' || r.state === 'running').length;
    if (open >= this.#maxOpen) throw new TenantSubmitError(`${open} runs of this tenant are still queued or running (at most ${this.#maxOpen}): wait for one to end`);
    if (mine.length >= MAX_TENANT_RUNS) throw new TenantSubmitError(`this tenant has submitted ${mine.length} runs, the most one session keeps`);
    let perInference: number;
    try {
      perInference = await this.#swarm.predictGramsPerInference(model);
    } catch (error) {
      throw new TenantSubmitError(`cannot plan ${model} on the nodes present: ${(error as Error).message}`);
    }
    if (!(perInference > 0) || !Number.isFinite(perInference)) throw new TenantSubmitError(`the plan of ${model} predicts ${perInference} gCO2 per inference: nothing to budget`);
    const n = (this.#counter.get(tenantId) ?? 0) + 1;
    this.#counter.set(tenantId, n);
    const runId = `${tenantId}-${n}`;
    this.#modelOf.set(runId, model);
    const decision = this.broker.submit({ runId, tenantId, inferences, predictedGramsPerInference: perInference });
    this.#emit();
    void this.#pump();
    return decision;
  }

  /** Stop taking grants (the page is closing); a grant in progress ends with its run. */
  stop(): void {
    this.#stopped = true;
  }

  /** Take grants while there are any, one at a time. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        if (this.#stopped) return;
        if (this.#swarm.busy()) {
          if (!this.#waiting) {
            this.#waiting = true;
            this.#emit();
          }
          // Only hold when there is work: nothing queued ends the loop.
          if (!this.broker.runs().some((r) => r.state === 'queued' || r.state === 'running')) return;
          await new Promise((r) => setTimeout(r, this.#pollMs));
          continue;
        }
        if (this.#waiting) this.#waiting = false;
        const grant = this.broker.nextGrant();
        this.#emit();
        if (!grant) return;
        const model = this.#modelOf.get(grant.runId)!;
        this.#active = true;
        this.#emit();
        let result: GrantResult;
        try {
          result = await this.#swarm.runGrant(model, grant.inferences, grant.reservedGramsCo2);
        } catch (error) {
          result = { completed: 0, measuredGramsCo2: 0, error: (error as Error).message };
        }
        const completed = Math.min(grant.inferences, Math.max(0, Math.floor(result.completed)));
        const measured = Number.isFinite(result.measuredGramsCo2) && result.measuredGramsCo2 > 0 ? result.measuredGramsCo2 : 0;
        if (completed === 0) this.broker.cancel(grant.runId, `stopped: the swarm completed none of ${grant.inferences} inference(s)${result.error ? `: ${result.error}` : ''}`);
        this.broker.settle(grant.grantId, { completed, measuredGramsCo2: measured });
        this.#active = false;
        this.#emit();
      }
    } finally {
      this.#active = false;
      this.#waiting = false;
      this.#pumping = false;
      this.#emit();
    }
  }

  /** Every tenant with its grams against budget (the coordinator's dashboard). */
  tenants(): TenantView[] {
    return this.broker.tenants();
  }

  /** Every run with its model (the coordinator's dashboard). */
  runs(): Array<BudgetRunView & { readonly model: string }> {
    return this.broker.runs().map((r) => ({ ...r, model: this.#modelOf.get(r.runId) ?? '' }));
  }

  /** What one tenant may see: its own budget and runs, nothing of the others. */
  statusOf(tenantId: string): { tenant: TenantBudgetStatus; runs: TenantRunStatus[] } | undefined {
    const t = this.broker.tenants().find((x) => x.tenantId === tenantId);
    if (!t) return undefined;
    const tenant: TenantBudgetStatus = {
      tenantId: t.tenantId, name: t.name, budgetGramsCo2: t.budgetGramsCo2, spentGramsCo2: t.spentGramsCo2,
      reservedGramsCo2: t.reservedGramsCo2, remainingGramsCo2: t.remainingGramsCo2, overdraftGramsCo2: t.overdraftGramsCo2,
    };
    const runs = this.runs().filter((r) => r.tenantId === tenantId).slice(-MAX_TENANT_RUNS).map((r): TenantRunStatus => ({
      runId: r.runId, model: r.model, state: r.state, inferences: r.inferences, completed: r.completed, measuredGramsCo2: r.measuredGramsCo2,
      predictedGramsPerInference: r.predictedGramsPerInference, message: r.message,
    }));
    return { tenant, runs };
  }
}
