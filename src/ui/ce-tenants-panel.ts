import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Coordinator } from '../swarm/coordinator';
import type { LinkSource } from '../swarm/run-session';
import { TenantDesk } from '../swarm/tenant-desk';
import { TenantRunner, type TenantSwarm } from '../swarm/tenant-runner';
import { zooNames } from '../zoo/index';
import { coordinatorKeyFor } from './app-config';
import { formatGramsCo2, formatShare, plannedGramsText } from './format';
import { pageTenantSwarm } from './tenant-swarm';
import { TenantInputProblem, loadTenants, makeTenant, saveTenants, tenantLink, type StoredTenant } from './tenant-store';

/** What a run of a model costs, in one line. */
function priceText(p: { model: string; grams: number; nodes: number }): string {
  return `${p.model}: about ${formatGramsCo2(p.grams)} per inference (the balanced plan on the ${p.nodes} ready node(s), embodied share included), ${formatGramsCo2(p.grams * 100)} per 100 inferences`;
}

/**
 * "Tenants" (issue 15, "Budgets between people"): the teacher adds tenants (a name and a budget in
 * gCO2e), each gets a tenant link to hand to its group; the table shows every tenant's grams
 * against its budget and its runs. Tenant pages connect over the mesh (src/swarm/tenant-desk.ts),
 * their runs go through the budget broker and run one grant at a time (src/swarm/tenant-runner.ts)
 * while the Run panel and compare modes are idle. Fires `tenant-active` (detail: boolean) when a
 * grant starts or ends, so the page can disable its other runs meanwhile.
 */
@customElement('ce-tenants-panel')
export class CeTenantsPanel extends LitElement {
  static override styles = css`
    :host { display: block; }
    form { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end; margin-bottom: 8px; }
    label { display: flex; flex-direction: column; font-size: 0.85rem; }
    table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
    th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e0e0e0; vertical-align: top; }
    th { white-space: nowrap; }
    .error { background: #fdecea; border: 1px solid #e57373; padding: 8px; border-radius: 6px; margin: 6px 0; }
    .muted { color: #666; font-size: 0.85rem; }
    .run { display: block; }
    .run[data-state="refused"], .run[data-state="stopped"] { color: #b71c1c; }
    .run[data-state="done"] { color: #2e7d32; }
    a { word-break: break-all; font-family: ui-monospace, monospace; font-size: 0.75rem; }
    .over { color: #b71c1c; font-weight: 600; }
    .bar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; font-size: 0.9rem; }
  `;

  /** The room's coordinator as it admits links (tenant hellos are routed from it). */
  @property({ attribute: false }) coordinator: Coordinator | undefined;
  /** The coordinator runs go through (what-if intensities applied). */
  @property({ attribute: false }) runCoordinator: Coordinator | undefined;
  @property({ attribute: false }) room: string | undefined;
  /** The join URL as shown: tenant links use its origin. */
  @property({ attribute: false }) joinUrl = '';
  @property({ attribute: false }) links: LinkSource | undefined;
  /** True while the Run panel or compare modes run: tenant grants wait. */
  @property({ attribute: false }) busy: () => boolean = () => false;
  @state() private tenants: readonly StoredTenant[] = [];
  @state() private error = '';
  @state() private tick = 0;
  private runner: TenantRunner | undefined;
  private desk: TenantDesk | undefined;
  private offRoute: (() => void) | undefined;
  private openedFor: Coordinator | undefined;
  private wasActive = false;
  private swarm: TenantSwarm | undefined;
  @state() private priceModel = 'tinycnn';
  /** What a run costs on the nodes present, as the broker will predict it (helps choose budgets). */
  @state() private price: { model: string; grams: number; nodes: number } | { model: string; error: string } | undefined;
  @state() private pricing = false;
  @state() private nameInput = '';
  @state() private budgetInput = '';

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.close();
  }

  private close(): void {
    this.offRoute?.();
    this.desk?.stop();
    this.runner?.stop();
    this.runner = undefined;
    this.desk = undefined;
  }

  /** True while a tenant grant runs on the swarm. */
  get active(): boolean {
    return this.runner?.active ?? false;
  }

  override willUpdate(): void {
    const coordinator = this.coordinator;
    const room = this.room;
    if (!coordinator || !room || this.openedFor === coordinator) return;
    this.close();
    this.openedFor = coordinator;
    this.tenants = loadTenants(sessionStorage, room);
    const runner = new TenantRunner(this.tenants.map(({ tenantId, name, budgetGramsCo2, spentGramsCo2 }) => ({ tenantId, name, budgetGramsCo2, spentGramsCo2 })), {
      swarm: (this.swarm = pageTenantSwarm(() => this.runCoordinator ?? this.coordinator, () => this.busy(), () => this.links)),
      models: zooNames(),
      formatGrams: (g) => formatGramsCo2(g),
    });
    runner.onChange(() => {
      this.tick++;
      this.keepSpent(runner, room);
      if (runner.active !== this.wasActive) {
        this.wasActive = runner.active;
        this.dispatchEvent(new CustomEvent<boolean>('tenant-active', { detail: runner.active, bubbles: true, composed: true }));
      }
    });
    this.runner = runner;
    this.desk = new TenantDesk({
      room,
      key: coordinatorKeyFor(room),
      runner,
      secretOf: (id) => this.tenants.find((t) => t.tenantId === id)?.secret,
      onSessions: () => this.tick++,
    });
    const desk = this.desk;
    this.offRoute = coordinator.routeTenants((link, first) => desk.accept(link, first));
  }

  /** Keep each tenant's spent grams with the room when they changed (a reload must not refill budgets). */
  private keepSpent(runner: TenantRunner, room: string): void {
    const spent = new Map(runner.tenants().map((t) => [t.tenantId, t.spentGramsCo2]));
    if (!this.tenants.some((t) => spent.has(t.tenantId) && spent.get(t.tenantId) !== t.spentGramsCo2)) return;
    this.tenants = this.tenants.map((t) => (spent.has(t.tenantId) ? { ...t, spentGramsCo2: spent.get(t.tenantId)! } : t));
    saveTenants(sessionStorage, room, this.tenants);
  }

  /** Predict a model's grams per inference on the nodes present, as a submission would be predicted. */
  private async predict(): Promise<void> {
    if (!this.swarm) return;
    const model = this.priceModel;
    this.pricing = true;
    try {
      const grams = await this.swarm.predictGramsPerInference(model);
      const nodes = (this.runCoordinator ?? this.coordinator)?.nodes().filter((n) => n.state === 'ready').length ?? 0;
      this.price = { model, grams, nodes };
    } catch (error) {
      this.price = { model, error: (error as Error).message };
    } finally {
      this.pricing = false;
    }
  }

  private add(event: Event): void {
    event.preventDefault();
    if (!this.room || !this.runner) {
      this.error = 'the room is not open yet';
      return;
    }
    try {
      const tenant = makeTenant(this.nameInput, this.budgetInput, this.tenants);
      this.runner.addTenant({ tenantId: tenant.tenantId, name: tenant.name, budgetGramsCo2: tenant.budgetGramsCo2, spentGramsCo2: 0 });
      this.tenants = [...this.tenants, tenant];
      saveTenants(sessionStorage, this.room, this.tenants);
      this.error = '';
      this.nameInput = '';
      this.budgetInput = '';
    } catch (error) {
      if (!(error instanceof TenantInputProblem)) throw error;
      this.error = error.message;
    }
  }

  override render() {
    void this.tick;
    const views = new Map((this.runner?.tenants() ?? []).map((t) => [t.tenantId, t]));
    const runs = this.runner?.runs() ?? [];
    const pages = this.desk?.connected() ?? new Map<string, number>();
    const fp = this.coordinator?.fingerprint ?? '';
    const waiting = this.runner?.waiting ? html`<div class="muted" data-testid="tenant-waiting">Tenant runs wait while the Run panel or compare modes use the swarm.</div>` : '';
    return html`
      <form @submit=${(e: Event) => this.add(e)}>
        <label>name <input data-testid="tenant-name" maxlength="64" .value=${this.nameInput} @input=${(e: Event) => (this.nameInput = (e.target as HTMLInputElement).value)} /></label>
        <label>budget (g CO2e) <input data-testid="tenant-budget" inputmode="decimal" .value=${this.budgetInput} @input=${(e: Event) => (this.budgetInput = (e.target as HTMLInputElement).value)} /></label>
        <button data-testid="tenant-add" type="submit" ?disabled=${!this.runner}>Add tenant</button>
      </form>
      <div class="muted">Each tenant gets a link to open in its own browser: it submits runs there, under its budget. Runs of all tenants share the swarm fairly, one batch at a time; a run that does not fit what is left of its budget is refused, and one whose budget runs out is stopped. Budgets count operational and embodied grams as the run's ledger measures them.</div>
      ${this.error ? html`<div class="error" role="alert" data-testid="tenant-add-error">${this.error}</div>` : ''}
      <div class="bar">What a run costs here now:
        <select data-testid="tenant-price-model" @change=${(e: Event) => (this.priceModel = (e.target as HTMLSelectElement).value)}>
          ${zooNames().map((n) => html`<option value=${n} ?selected=${n === this.priceModel}>${n}</option>`)}</select>
        <button data-testid="tenant-predict" ?disabled=${!this.runner || this.pricing} @click=${() => void this.predict()}>Predict grams</button>
        ${this.pricing ? html`<span class="muted">planning...</span>` : this.price === undefined ? '' : 'error' in this.price
          ? html`<span data-testid="tenant-price" data-error=${this.price.error}>${this.price.model}: cannot plan on the nodes present: ${this.price.error}</span>`
          : html`<span data-testid="tenant-price" data-model=${this.price.model} data-grams-per-inference=${this.price.grams}>${priceText(this.price)}</span>`}
      </div>
      ${waiting}
      ${this.tenants.length === 0 ? html`<div class="muted" data-testid="tenants-empty">No tenants yet.</div>` : html`
        <table data-testid="tenant-table">
          <thead><tr><th>tenant</th><th>spent / budget</th><th>reserved</th><th>left</th><th>pages</th><th>runs</th><th>tenant link</th></tr></thead>
          <tbody>${this.tenants.map((t) => {
            const v = views.get(t.tenantId);
            const spent = v?.spentGramsCo2 ?? 0;
            const link = this.joinUrl && fp ? tenantLink(this.joinUrl, this.room!, t, fp) : '';
            return html`<tr data-testid="tenant-row" data-tenant-id=${t.tenantId} data-spent-grams=${spent} data-budget-grams=${t.budgetGramsCo2}
                data-reserved-grams=${v?.reservedGramsCo2 ?? 0} data-overdraft-grams=${v?.overdraftGramsCo2 ?? 0}>
              <td class="name">${t.name}</td>
              <td data-testid="tenant-spent"><span class=${(v?.overdraftGramsCo2 ?? 0) > 0 ? 'over' : ''}>${formatGramsCo2(spent)}</span> of ${formatGramsCo2(t.budgetGramsCo2)} (${formatShare(spent / t.budgetGramsCo2)})</td>
              <td>${formatGramsCo2(v?.reservedGramsCo2 ?? 0)}</td>
              <td>${formatGramsCo2(v?.remainingGramsCo2 ?? t.budgetGramsCo2)}</td>
              <td data-testid="tenant-pages">${pages.get(t.tenantId) ?? 0}</td>
              <td>${runs.filter((r) => r.tenantId === t.tenantId).map((r) => html`<span class="run" data-testid="tenant-run" data-run-id=${r.runId} data-state=${r.state}
                  data-completed=${r.completed} data-inferences=${r.inferences} data-measured-grams=${r.measuredGramsCo2} data-planned-grams=${r.predictedGramsPerInference} title=${r.message ?? ''}>
                  ${r.model} ${r.completed}/${r.inferences} ${r.state}, ${formatGramsCo2(r.measuredGramsCo2)} (${plannedGramsText(r.predictedGramsPerInference, r.measuredGramsCo2, r.completed).text})${r.message ? html` - <span data-testid="tenant-run-message">${r.message}</span>` : ''}</span>`)}</td>
              <td>${link ? html`<a data-testid="tenant-link" href=${link} target="_blank">${link}</a>` : html`<span class="muted">opening the room...</span>`}</td>
            </tr>`;
          })}</tbody>
        </table>`}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-tenants-panel': CeTenantsPanel;
  }
}
