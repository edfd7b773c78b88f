import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ledgerToCsv, ledgerToJson } from '../carbon/ledger-export';
import type { LedgerSummary } from '../carbon/ledger';
import { PLANNER_MODES, type Placement, type PlannerMode } from '../plan/plan-types';
import type { Coordinator } from '../swarm/coordinator';
import type { RequestOutcome, RunController, RunEvent } from '../swarm/run-controller';
import type { DeployProgress } from '../swarm/stage-deployer';
import { startRunSession } from '../swarm/run-session';
import { zooNames } from '../zoo/index';
import { startRuntimeWorker, type RuntimeClient } from './runtime-client';
import { profileCatalogueModel, type RunSettings } from './run-session';
import './ce-run-charts';
import './ce-prediction-table';
import type { PredictionRow } from '../cost/calibration';

/** What end-to-end tests read back from the page. */
export interface RunRecord {
  /** Runs of this tab numbered as they start: 1, 2, ... */
  number?: number;
  status: string;
  error: string;
  settings?: RunSettings;
  outcomes: { requestId: number; ok: boolean; reason?: string; outputs?: Record<string, { dims: number[]; data: number[] }> }[];
  summary?: LedgerSummary;
  placement?: Placement;
  stats?: RunController['stats'];
  /** Time each deployment of the run took, ms (re-plans add more). */
  deployMs?: number[];
  /** Predicted vs measured per slice (the calibration's rows). */
  predictions?: PredictionRow[];
}

declare global {
  interface Window {
    /** Test hook: the last run started from the Run panel. */
    carbonedgeRun?: RunRecord;
  }
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;

/** The closing line of a run, in words: "done: 9 ok, 191 cancelled". */
export function outcomeLine(outcomes: readonly RequestOutcome[]): string {
  const ok = outcomes.filter((o) => o.ok).length;
  const cancelled = outcomes.filter((o) => !o.ok && o.cancelled).length;
  const failed = outcomes.length - ok - cancelled;
  return `done: ${[`${ok} ok`, failed ? `${failed} failed` : '', cancelled ? `${cancelled} cancelled` : ''].filter(Boolean).join(', ')}`;
}

/** What survives a reload of the coordinator tab about the run in progress (sessionStorage). */
interface ActiveRun {
  readonly number: number;
  readonly settings: RunSettings;
  /** Request ids (1-based) that ended. */
  readonly ended: number;
  /** Every request below this id ended (requests end nearly in order). */
  readonly endedPrefix: number;
}

const ACTIVE_RUN_KEY = 'carbonedge:active-run';
const RUN_COUNT_KEY = 'carbonedge:run-count';

function readSession<T>(key: string): T | undefined {
  try {
    return (JSON.parse(sessionStorage.getItem(key) ?? 'null') as T | null) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Events of a node the panel tells its page about (the page marks the node's row). */
export interface NodeFailedDetail {
  readonly nodeId: string;
  readonly reason: string;
}

/**
 * The coordinator's Run panel: choose a catalogue model, a mode or weights, a number of slices,
 * then plan, deploy and stream inferences through the swarm; shows the plan, progress, live charts
 * and the carbon ledger, with CSV/JSON export.
 */
@customElement('ce-run-panel')
export class CeRunPanel extends LitElement {
  static override styles = css`
    form { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; margin-bottom: 10px; }
    label { display: flex; flex-direction: column; font-size: 0.85rem; }
    table { border-collapse: collapse; font-size: 0.85rem; margin: 8px 0; }
    th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #dde5dd; }
    .error { background: #fdecea; border: 1px solid #e57373; padding: 8px; border-radius: 6px; }
    .figures { display: flex; gap: 18px; flex-wrap: wrap; margin: 8px 0; }
    .figures b { display: block; font-size: 1.1rem; }
  `;

  @property({ attribute: false }) coordinator: Coordinator | undefined;
  @state() private model = 'mobilenetv2';
  @state() private mode: PlannerMode = 'balanced';
  @state() private weights = { latency: 0.4, energy: 0.2, carbon: 0.4 };
  @state() private customWeights = false;
  @state() private stages = 0;
  @state() private inferences = 50;
  @state() private ratePerSecond = 0;
  @state() private status = 'idle';
  @state() private error = '';
  @state() private placement: Placement | undefined;
  @state() private latencies: number[] = [];
  @state() private summary: LedgerSummary | undefined;
  @state() private events: string[] = [];
  @state() private deploys: DeployProgress[] = [];
  @state() private runNumber = 0;
  /** A run this tab was doing when it reloaded. */
  @state() private interrupted: ActiveRun | undefined;
  private endedIds = new Set<number>();
  private controller: RunController | undefined;
  /** Set by Stop while the model is still being profiled (no controller yet). */
  private stopRequested = false;
  private runtime: Promise<RuntimeClient> | undefined;
  private startedMs = 0;
  private record: RunRecord = { status: 'idle', error: '', outcomes: [] };

  private nameOfNode(id: string): string {
    return this.coordinator?.nodes().find((n) => n.nodeId === id)?.name ?? id;
  }

  private settings(): RunSettings {
    const sum = this.weights.latency + this.weights.energy + this.weights.carbon;
    return {
      model: this.model,
      mode: this.mode,
      ...(this.customWeights && sum > 0
        ? { weights: { latency: this.weights.latency / sum, energy: this.weights.energy / sum, carbon: this.weights.carbon / sum } }
        : {}),
      stages: this.stages,
      inferences: this.inferences,
      ratePerSecond: this.ratePerSecond,
      seed: 1,
    };
  }

  private setStatus(status: string, error = ''): void {
    this.status = status;
    this.error = error;
    this.record.status = status;
    this.record.error = error;
  }

  private event(text: string): void {
    this.events = [...this.events.slice(-30), text];
  }

  private onEvent(event: RunEvent): void {
    switch (event.kind) {
      case 'deployed':
        this.placement = event.placement;
        this.record.placement = event.placement;
        this.record.deployMs = [...(this.record.deployMs ?? []), event.deployMs];
        this.event(`deployed on ${new Set(event.placement.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId))).size} node(s) in ${fmt(event.deployMs / 1000, 1)} s${event.note ? `: ${event.note}` : ''}`);
        if (this.status.startsWith('paused') || this.status === 'planning and deploying' || this.status === 're-planning') this.setStatus('running');
        break;
      case 'deploy-progress': {
        const p = event.progress;
        const others = this.deploys.filter((d) => d.runId === p.runId && !(d.nodeId === p.nodeId && d.sliceIndex === p.sliceIndex));
        this.deploys = [...others, p].sort((a, b) => a.sliceIndex - b.sliceIndex);
        break;
      }
      case 'replanning':
        this.event(`re-planning: ${event.reason}`);
        if (this.status === 'running') this.setStatus('re-planning');
        break;
      case 'node-failed':
        this.event(`${event.name}: ${event.reason}`);
        this.dispatchEvent(new CustomEvent<NodeFailedDetail>('node-failed', { detail: { nodeId: event.nodeId, reason: event.reason }, bubbles: true, composed: true }));
        break;
      case 'paused':
        this.setStatus(`paused: ${event.reason}; waiting up to ${Math.round(event.timeoutMs / 1000)} s for a node to join`);
        this.event(`paused: ${event.reason}`);
        break;
      case 'error':
        this.event(`error: ${event.reason}`);
        break;
      case 'drift':
        this.event(`${event.name} now runs at ${event.to.toFixed(2)}x its predicted time (was ${event.from.toFixed(2)}x)`);
        break;
      case 'result':
        this.onOutcome(event.outcome);
        break;
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.runNumber = readSession<number>(RUN_COUNT_KEY) ?? 0;
    this.interrupted = readSession<ActiveRun>(ACTIVE_RUN_KEY);
    sessionStorage.removeItem(ACTIVE_RUN_KEY);
  }

  private saveActive(): void {
    const settings = this.record.settings;
    if (!settings || this.record.number === undefined) return;
    let prefix = 1;
    while (this.endedIds.has(prefix)) prefix++;
    const active: ActiveRun = { number: this.record.number, settings, ended: this.endedIds.size, endedPrefix: prefix };
    sessionStorage.setItem(ACTIVE_RUN_KEY, JSON.stringify(active));
  }

  /** Start the requests an interrupted run had not finished, as a new run (same model and choices). */
  private resume(event: Event): void {
    const run = this.interrupted;
    if (!run) return;
    this.interrupted = undefined;
    const from = run.endedPrefix;
    void this.run(event, { ...run.settings, inferences: run.settings.inferences - from + 1, seed: run.settings.seed + from - 1 });
  }

  private onOutcome(outcome: RequestOutcome): void {
    this.endedIds.add(outcome.requestId);
    this.saveActive();
    if (outcome.ok) this.latencies = [...this.latencies, outcome.latencyMs];
    this.record.outcomes.push(
      outcome.ok
        ? {
            requestId: outcome.requestId,
            ok: true,
            outputs: Object.fromEntries(Object.entries(outcome.outputs).map(([name, t]) => [name, { dims: [...t.dims], data: Array.from(t.data as ArrayLike<number>, Number) }])),
          }
        : { requestId: outcome.requestId, ok: false, reason: outcome.reason },
    );
    this.summary = this.controller?.ledger.summarise();
    this.record.summary = this.summary;
    this.record.predictions = this.controller?.calibration.rows();
    this.record.stats = this.controller ? { ...this.controller.stats } : undefined;
  }

  private async run(event: Event, given?: RunSettings): Promise<void> {
    event.preventDefault();
    if (!this.coordinator) return;
    this.controller?.stop('superseded by a new run');
    const settings = given ?? this.settings();
    this.runNumber++;
    sessionStorage.setItem(RUN_COUNT_KEY, JSON.stringify(this.runNumber));
    this.endedIds = new Set();
    this.record = { number: this.runNumber, status: 'starting', error: '', settings, outcomes: [] };
    window.carbonedgeRun = this.record;
    this.latencies = [];
    this.events = [];
    this.deploys = [];
    this.placement = undefined;
    this.summary = undefined;
    this.controller = undefined;
    this.stopRequested = false;
    this.dispatchEvent(new CustomEvent('run-started', { bubbles: true, composed: true }));
    const record = this.record;
    try {
      this.setStatus('profiling the model');
      this.runtime ??= startRuntimeWorker();
      const runtime = await this.runtime;
      const profile = await profileCatalogueModel(settings.model, runtime);
      if (this.stopRequested || this.record !== record) {
        this.setStatus('done: 0 ok, cancelled before it started');
        return;
      }
      this.setStatus('planning and deploying');
      const session = startRunSession(this.coordinator, profile, settings, (e) => {
        if (this.record === record) this.onEvent(e);
      });
      this.controller = session.controller;
      this.startedMs = performance.now();
      await session.started;
      if (this.record !== record) return;
      if (session.controller.phase === 'running') this.setStatus('running');
      const outcomes = await session.done;
      if (this.record !== record) return;
      this.record.stats = { ...session.controller.stats };
      this.summary = session.controller.ledger.summarise();
      this.record.summary = this.summary;
      this.setStatus(outcomeLine(outcomes));
      sessionStorage.removeItem(ACTIVE_RUN_KEY);
      this.startedMs = performance.now() - this.startedMs;
    } catch (error) {
      if (this.record === record) this.setStatus('error', (error as Error).message);
    }
  }

  private stop(): void {
    this.stopRequested = true;
    this.controller?.stop('stopped by the user');
  }

  private replanFor(change: () => void): void {
    change();
    this.controller?.replan('the planning mode or weights changed');
  }

  private download(kind: 'csv' | 'json'): void {
    if (!this.controller) return;
    const text = kind === 'csv' ? ledgerToCsv(this.controller.ledger) : ledgerToJson(this.controller.ledger);
    const url = URL.createObjectURL(new Blob([text], { type: kind === 'csv' ? 'text/csv' : 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `carbonedge-ledger.${kind}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  private renderPlan() {
    if (!this.placement) return '';
    return html`<table data-testid="plan-table">
      <thead><tr><th>pipeline</th><th>slice</th><th>nodes [start, end)</th><th>on node</th><th>predicted ms</th><th>predicted gCO2</th><th>bytes in</th></tr></thead>
      <tbody>
        ${this.placement.pipelines.flatMap((p, pi) =>
          p.slices.map(
            (s, si) => html`<tr>
              <td>${pi + 1} (${Math.round(p.share * 100)}%)</td><td>${si + 1}</td><td>[${s.sliceRange[0]}, ${s.sliceRange[1]})</td>
              <td class="slice-node">${this.nameOfNode(s.nodeId)}</td><td>${fmt(s.computeMs)}</td><td>${s.gramsCo2.toExponential(2)}</td>
              <td>${p.hops[si]?.bytes ?? '-'}</td>
            </tr>`,
          ),
        )}
      </tbody>
    </table>
    <div>Predicted: ${fmt(this.placement.prediction.latencyMs)} ms per inference, ${fmt(this.placement.prediction.throughputPerSecond)} inferences/s, ${this.placement.prediction.gramsCo2.toExponential(2)} gCO2 per inference.</div>`;
  }

  private renderFigures() {
    const s = this.summary;
    if (!s || !this.record.stats) return '';
    const mean = this.latencies.reduce((a, b) => a + b, 0) / Math.max(1, this.latencies.length);
    const byNode = Object.fromEntries(Object.entries(s.byNode).map(([id, t]) => [this.nameOfNode(id), t.gramsCo2]));
    return html`<div class="figures" data-testid="run-figures">
        <span><b data-testid="run-completed">${this.record.stats.completed}</b>completed</span>
        <span><b data-testid="run-failed">${this.record.stats.failed}</b>failed</span>
        ${this.record.stats.cancelled ? html`<span><b data-testid="run-cancelled">${this.record.stats.cancelled}</b>cancelled</span>` : ''}
        <span><b>${this.record.stats.resent}</b>re-sent</span>
        <span><b>${this.record.stats.replans}</b>re-plans</span>
        <span><b data-testid="run-dropped">${this.record.stats.droppedResults}</b>results refused (wrong node or attempt)</span>
        ${this.record.stats.lateResults ? html`<span><b data-testid="run-late">${this.record.stats.lateResults}</b>late results of an earlier run ignored</span>` : ''}
        <span><b>${fmt(mean)} ms</b>mean latency</span>
        <span><b>${fmt(s.total.energyJoules, 3)} J</b>energy (estimated power)</span>
        <span><b>${s.total.gramsCo2.toExponential(3)} g</b>CO2 total</span>
        <span><b>${s.inferencesPerGramCo2 === null ? '-' : fmt(s.inferencesPerGramCo2, 0)}</b>inferences per gCO2</span>
      </div>
      <ce-run-charts .latenciesMs=${this.latencies} .gramsByNode=${byNode}></ce-run-charts>
      <button @click=${() => this.download('csv')}>Export ledger CSV</button>
      <button @click=${() => this.download('json')}>Export ledger JSON</button>`;
  }

  private renderDeploys() {
    if (!this.deploys.length || this.status.startsWith('done')) return '';
    const label = (d: DeployProgress) =>
      d.state === 'asked' ? 'asked'
        : d.state === 'sending' ? `downloading ${mb(d.bytesSent)} of ${mb(d.bytesTotal)} at ${mb(d.rateBytesPerSecond)}/s`
          : d.state === 'loading' ? `loading (${mb(d.bytesTotal)} received)`
            : d.state === 'ready' ? (d.fromCache ? 'ready (from its cache)' : 'ready')
              : `failed: ${d.reason ?? ''}`;
    return html`<table data-testid="deploy-progress">
      <thead><tr><th>slice</th><th>node</th><th>deployment</th></tr></thead>
      <tbody>${this.deploys.map((d) => html`<tr data-state=${d.state}><td>${d.sliceIndex + 1}</td><td>${this.nameOfNode(d.nodeId)}</td><td>${label(d)}</td></tr>`)}</tbody>
    </table>`;
  }

  override render() {
    const busy = this.status === 'profiling the model' || this.status === 'planning and deploying' || this.status === 'running'
      || this.status === 're-planning' || this.status.startsWith('paused');
    return html`
      <form @submit=${(e: Event) => this.run(e)}>
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
        <label>inferences <input data-testid="run-count" type="number" min="1" max="100000" .value=${String(this.inferences)} @change=${(e: Event) => (this.inferences = Number((e.target as HTMLInputElement).value))} /></label>
        <label>rate /s (0 = max) <input type="number" min="0" .value=${String(this.ratePerSecond)} @change=${(e: Event) => (this.ratePerSecond = Number((e.target as HTMLInputElement).value))} /></label>
        <label><span><input type="checkbox" .checked=${this.customWeights} @change=${(e: Event) => this.replanFor(() => (this.customWeights = (e.target as HTMLInputElement).checked))} /> custom weights</span>
          ${(['latency', 'energy', 'carbon'] as const).map(
            (k) => html`<span>${k} <input type="range" min="0" max="1" step="0.05" ?disabled=${!this.customWeights} .value=${String(this.weights[k])}
              @change=${(e: Event) => this.replanFor(() => (this.weights = { ...this.weights, [k]: Number((e.target as HTMLInputElement).value) }))} /></span>`,
          )}</label>
        <button data-testid="run-start" type="submit" ?disabled=${busy}>Plan &amp; run</button>
        <button type="button" data-testid="run-stop" ?disabled=${!busy} @click=${() => this.stop()}>Stop</button>
      </form>
      ${this.interrupted ? html`<div class="error" data-testid="run-interrupted">
          Run ${this.interrupted.number} (${this.interrupted.settings.model}, ${this.interrupted.settings.inferences} inferences) was
          interrupted when this tab reloaded: ${this.interrupted.ended} had ended; the results of the rest were lost with the tab.
          <button data-testid="run-resume" @click=${(e: Event) => this.resume(e)}>Run inferences ${this.interrupted.endedPrefix}-${this.interrupted.settings.inferences} again</button>
          <button @click=${() => (this.interrupted = undefined)}>Dismiss</button>
        </div>` : ''}
      <div data-testid="run-status" data-status=${this.status}>${this.runNumber ? html`<b data-testid="run-number">Run ${this.runNumber}</b> ` : ''}Status: ${this.status}</div>
      ${this.error ? html`<div class="error" role="alert" data-testid="run-error">${this.error}</div>` : ''}
      ${this.renderDeploys()}
      ${this.renderPlan()}
      <ce-prediction-table .rows=${this.record.predictions ?? []} .names=${new Map((this.coordinator?.nodes() ?? []).map((n) => [n.nodeId as string, n.name]))}></ce-prediction-table>
      ${this.renderFigures()}
      ${this.events.length ? html`<ul>${this.events.map((e) => html`<li>${e}</li>`)}</ul>` : ''}
      <div style="font-size:0.8rem;color:#666">Catalogue models other than paddle-cls are untrained (seeded random weights): for compute and carbon experiments. Power figures are estimates unless a node says otherwise.</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-run-panel': CeRunPanel;
  }
}
