import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { PLANNER_MODES, type PlannerMode } from '../plan/plan-types';
import { zooNames } from '../zoo/index';
import type { RunSettings } from './run-session';

/**
 * The Run panel's form: model, mode or custom weights, latency budget, slices, inferences, rate, audit
 * share, Plan & run and Stop. Holds only what the user typed; fires `run-submit` (Plan & run),
 * `run-stop` and `run-replan` (mode, weights or budget changed: a run in progress may re-plan). `settings()` reads the
 * choices as RunSettings (weights normalised to sum 1).
 */
@customElement('ce-run-form')
export class CeRunForm extends LitElement {
  static override styles = css`
    form { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; margin-bottom: 10px; }
    label { display: flex; flex-direction: column; font-size: 0.85rem; }
  `;

  /** A run is in progress: Plan & run is disabled, Stop enabled. */
  @property({ type: Boolean }) busy = false;
  /** Another run uses the swarm (a tenant's batch): Plan & run is disabled, Stop too. */
  @property({ type: Boolean }) blocked = false;
  @state() private model = 'mobilenetv2';
  @state() private mode: PlannerMode = 'balanced';
  @state() private weights = { latency: 0.4, energy: 0.2, carbon: 0.4 };
  @state() private customWeights = false;
  @state() private stages = 0;
  @state() private inferences = 50;
  @state() private ratePerSecond = 0;
  /** '' = the planner picks the backend per slice; else every slice runs on this one. */
  @state() private backend: '' | 'wasm' | 'webgpu' = '';
  /** Percent of requests audited (re-run on this machine and compared slice by slice). */
  @state() private auditPercent = 5;
  /** Most ms per inference the planner may choose (0 = no budget); only when the planner decides the slices. */
  @state() private latencyBudgetMs = 0;

  /** The choices as run settings (seed 1). */
  settings(): RunSettings {
    const sum = this.weights.latency + this.weights.energy + this.weights.carbon;
    return {
      model: this.model,
      mode: this.mode,
      ...(this.customWeights && sum > 0
        ? { weights: { latency: this.weights.latency / sum, energy: this.weights.energy / sum, carbon: this.weights.carbon / sum } }
        : {}),
      stages: this.stages,
      // 0 = none; anything else goes to the checks, so a negative or empty entry is an error, not ignored.
      ...(this.latencyBudgetMs !== 0 && this.stages === 0 ? { constraints: { latencyBudgetMs: this.latencyBudgetMs } } : {}),
      inferences: this.inferences,
      ratePerSecond: this.ratePerSecond,
      seed: 1,
      ...(this.backend ? { backend: this.backend } : {}),
      auditRate: this.auditPercent / 100,
    };
  }

  private fire(type: 'run-submit' | 'run-stop' | 'run-replan'): void {
    this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true }));
  }

  private replanFor(change: () => void): void {
    change();
    this.fire('run-replan');
  }

  override render() {
    return html`<form @submit=${(e: Event) => { e.preventDefault(); if (!this.blocked) this.fire('run-submit'); }}>
        <label>model
          <select data-testid="run-model" @change=${(e: Event) => (this.model = (e.target as HTMLSelectElement).value)}>
            ${zooNames().map((n) => html`<option value=${n} ?selected=${n === this.model}>${n}</option>`)}
          </select></label>
        <label>mode
          <select data-testid="run-mode" @change=${(e: Event) => this.replanFor(() => (this.mode = (e.target as HTMLSelectElement).value as PlannerMode))}>
            ${Object.keys(PLANNER_MODES).map((m) => html`<option value=${m} ?selected=${m === this.mode}>${m}</option>`)}
          </select></label>
        <label>slices
          <select data-testid="run-stages" @change=${(e: Event) => (this.stages = Number((e.target as HTMLSelectElement).value))}>
            <option value="0">planner decides</option>
            ${[1, 2, 3, 4, 5, 6].map((k) => html`<option value=${k} ?selected=${k === this.stages}>${k} on ${k} nodes</option>`)}
          </select></label>
        <label title="The planner chooses the greenest placement whose predicted latency fits; a run measured over it re-plans with what it measured. Only when the planner decides the slices.">latency budget ms (0 = none)
          <input data-testid="run-budget" type="number" min="0" step="any" ?disabled=${this.stages !== 0} .value=${String(this.latencyBudgetMs)}
            @change=${(e: Event) => this.replanFor(() => (this.latencyBudgetMs = Number((e.target as HTMLInputElement).value)))} /></label>
        <label>backend
          <select data-testid="run-backend" @change=${(e: Event) => (this.backend = (e.target as HTMLSelectElement).value as '' | 'wasm' | 'webgpu')}>
            <option value="">planner picks per slice</option>
            <option value="wasm">WASM only</option>
            <option value="webgpu">WebGPU only</option>
          </select></label>
        <label>inferences <input data-testid="run-count" type="number" min="1" max="100000" .value=${String(this.inferences)} @change=${(e: Event) => (this.inferences = Number((e.target as HTMLInputElement).value))} /></label>
        <label>rate /s (0 = max) <input type="number" min="0" .value=${String(this.ratePerSecond)} @change=${(e: Event) => (this.ratePerSecond = Number((e.target as HTMLInputElement).value))} /></label>
        <label title="Share of requests re-run slice by slice on this machine and compared with what the nodes sent; a node that fails twice is quarantined">audit %
          <input data-testid="run-audit" type="number" min="0" max="100" step="1" .value=${String(this.auditPercent)} @change=${(e: Event) => (this.auditPercent = Number((e.target as HTMLInputElement).value))} /></label>
        <label><span><input type="checkbox" .checked=${this.customWeights} @change=${(e: Event) => this.replanFor(() => (this.customWeights = (e.target as HTMLInputElement).checked))} /> custom weights</span>
          ${(['latency', 'energy', 'carbon'] as const).map(
            (k) => html`<span>${k} <input type="range" min="0" max="1" step="0.05" ?disabled=${!this.customWeights} .value=${String(this.weights[k])}
              @change=${(e: Event) => this.replanFor(() => (this.weights = { ...this.weights, [k]: Number((e.target as HTMLInputElement).value) }))} /></span>`,
          )}</label>
        <button data-testid="run-start" type="submit" ?disabled=${this.busy || this.blocked}>Plan &amp; run</button>
        <button type="button" data-testid="run-stop" ?disabled=${!this.busy} @click=${() => this.fire('run-stop')}>Stop</button>
      </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-run-form': CeRunForm;
  }
}
