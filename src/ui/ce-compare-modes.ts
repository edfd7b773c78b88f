import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Coordinator } from '../swarm/coordinator';
import type { RunHistory } from '../history/history-store';
import type { RunRecord } from '../history/run-record';
import { zooNames } from '../zoo/index';
import { compareInputsFromRuns } from './compare-modes';
import type { LinkSource } from '../swarm/run-session';
import { COMPARE_PRESETS, compareProblem, runComparison, type CompareConfiguration } from './compare-runner';
import { profileInThisTab } from './run-session';
import './ce-compare-view';

declare global {
  interface Window {
    /** Test hook: the runs of the last "compare modes", as kept in the history. */
    carbonedgeCompare?: { status: string; runs: RunRecord[] };
  }
}

/**
 * "Compare modes" (issue 14): pick configurations, repeats (default 1) and a number of inferences,
 * one click runs them back to back on the nodes present (compare-runner.ts), each run kept in the
 * history, and the result is shown by ce-compare-view (rows, chart with the Pareto front, intervals
 * with repeats). Fires `compare-saved` after each kept run so the history can refresh.
 */
@customElement('ce-compare-modes')
export class CeCompareModes extends LitElement {
  static override styles = css`
    :host { display: block; }
    .bar { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end; margin-bottom: 8px; }
    label { font-size: 0.85rem; }
    .error { background: #fdecea; border: 1px solid #e57373; padding: 8px; border-radius: 6px; }
  `;

  /** The coordinator (what-if overrides applied). */
  @property({ attribute: false }) coordinator: Coordinator | undefined;
  @property({ attribute: false }) history: RunHistory | undefined;
  /** Measured links, as the Run panel plans with them (src/swarm/link-prober.ts). */
  @property({ attribute: false }) links: LinkSource | undefined;
  /** Disabled while the Run panel runs (one run at a time on the swarm). */
  @property({ type: Boolean }) blocked = false;
  @state() private model = 'tinycnn';
  @state() private picked: readonly string[] = ['performance', 'balanced', 'green'];
  @state() private repeats = 1;
  @state() private inferences = 10;
  @state() private progress = '';
  @state() private error = '';
  @state() private runs: readonly RunRecord[] = [];
  private abort: AbortController | undefined;

  /** True while a comparison runs (other runs on the swarm wait). */
  get running(): boolean {
    return this.abort !== undefined;
  }

  private toggle(label: string, on: boolean): void {
    this.picked = on ? COMPARE_PRESETS.map((c) => c.label).filter((l) => l === label || this.picked.includes(l)) : this.picked.filter((l) => l !== label);
  }

  private async start(): Promise<void> {
    if (!this.coordinator) return;
    const configurations: CompareConfiguration[] = COMPARE_PRESETS.filter((c) => this.picked.includes(c.label));
    const problem = compareProblem({ configurations, repeats: this.repeats, inferences: this.inferences });
    if (problem) {
      this.error = problem;
      return;
    }
    this.error = '';
    this.runs = [];
    this.abort = new AbortController();
    const hook = { status: 'profiling the model', runs: [] as RunRecord[] };
    window.carbonedgeCompare = hook;
    const byId = new Map<string, RunRecord>();
    try {
      this.progress = `profiling ${this.model}...`;
      const { profile } = await profileInThisTab(this.model, (message) => (this.progress = message));
      hook.status = 'running';
      const history = this.history;
      let saving = Promise.resolve();
      const records = await runComparison({
        ...(this.links ? { links: this.links } : {}),
        coordinator: this.coordinator,
        profile,
        model: this.model,
        configurations,
        repeats: this.repeats,
        inferences: this.inferences,
        signal: this.abort.signal,
        onProgress: (text) => (this.progress = text),
        onRecord: (record) => {
          byId.set(record.id, record);
          if (record.status !== 'running') this.runs = [...byId.values()].filter((r) => r.status !== 'running');
          if (history) saving = saving.then(() => history.save(record)).then(() => { this.dispatchEvent(new CustomEvent('compare-saved', { bubbles: true, composed: true })); });
        },
      });
      await saving;
      this.runs = records;
      hook.runs = records;
      const failed = records.filter((r) => r.status === 'failed');
      hook.status = `done: ${records.length} runs${failed.length ? `, ${failed.length} failed` : ''}`;
      this.progress = '';
      if (failed.length) this.error = `${failed.length} run(s) failed: ${failed.map((r) => `${r.configuration.label}: ${r.error}`).join('; ')}`;
    } catch (error) {
      hook.status = `error: ${(error as Error).message}`;
      this.error = (error as Error).message;
      this.progress = '';
    } finally {
      this.abort = undefined;
    }
  }

  override render() {
    const running = this.abort !== undefined;
    return html`<div class="bar">
        <label>model <select data-testid="compare-model" @change=${(e: Event) => (this.model = (e.target as HTMLSelectElement).value)}>
          ${zooNames().map((n) => html`<option value=${n} ?selected=${n === this.model}>${n}</option>`)}</select></label>
        ${COMPARE_PRESETS.map((c) => html`<label><input type="checkbox" data-testid="compare-pick" data-label=${c.label} .checked=${this.picked.includes(c.label)}
          @change=${(e: Event) => this.toggle(c.label, (e.target as HTMLInputElement).checked)} /> ${c.label}</label>`)}
        <label>inferences <input data-testid="compare-count" type="number" min="1" style="width:5em" .value=${String(this.inferences)} @change=${(e: Event) => (this.inferences = Number((e.target as HTMLInputElement).value))} /></label>
        <label>repeats <input data-testid="compare-repeats" type="number" min="1" max="20" style="width:4em" .value=${String(this.repeats)} @change=${(e: Event) => (this.repeats = Number((e.target as HTMLInputElement).value))} /></label>
        <button data-testid="compare-start" ?disabled=${running || this.blocked || !this.coordinator} @click=${() => this.start()}>Compare modes</button>
        <button ?disabled=${!running} @click=${() => this.abort?.abort()}>Stop</button>
      </div>
      <div style="font-size:0.85rem;color:#555">The same seeded inputs (seed 1) through each configuration, one run after the other on the nodes present; every run is kept in the history.</div>
      ${this.error ? html`<div class="error" role="alert" data-testid="compare-modes-error">${this.error}</div>` : ''}
      ${this.runs.length || this.progress ? html`<ce-compare-view .configurations=${compareInputsFromRuns(this.runs)} .progress=${this.progress}></ce-compare-view>` : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-compare-modes': CeCompareModes;
  }
}
