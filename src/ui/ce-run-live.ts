import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Placement } from '../plan/plan-types';
import type { NodeRecord } from '../swarm/coordinator';
import type { RunStats } from '../swarm/run-types';
import type { RunRecord } from '../history/run-record';
import { nodeNames } from '../history/run-record';
import { runTotals, type RunTotals } from '../history/run-totals';
import type { BaselineGap } from './baselines';
import { formatDuration, formatGramsCo2, formatJoules, formatRate, formatShare, formatSignificant } from './format';
import type { AuditView } from './audit-view';
import type { PlanWhy } from './plan-why';
import { busySharesOf, presenterFrom, streamRates, swarmNodesFrom, type BusyShares } from './swarm-state';
import type { SwarmEventView } from './swarm-layout';
import './ce-swarm-view';
import './ce-baselines';
import './ce-run-charts';

/**
 * The live part of a run on the coordinator page (issue 14): the swarm picture with the presenter
 * strip first, then the run's figures, its grams and joules beside the named baselines, and why the
 * planner chose its plan. Every figure is computed from the run's record (its ledger rows), the
 * same way the history and the exports compute theirs, so they agree. Displays what it is given.
 */
@customElement('ce-run-live')
export class CeRunLive extends LitElement {
  static override styles = css`
    :host { display: block; }
    .figures { display: flex; gap: 18px; flex-wrap: wrap; margin: 8px 0; }
    .figures b { display: block; font-size: 1.1rem; }
    .figures b.bad { color: #c62828; }
    h3 { font-size: 1rem; margin: 14px 0 4px; }
    .why li { margin: 3px 0; }
    table { border-collapse: collapse; font-size: 0.85rem; margin: 8px 0; }
    th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #dde5dd; }
    :host([presenter]) ce-swarm-view { font-size: 1.3rem; }
  `;

  /** The run as it stands (LiveRun.record). */
  @property({ attribute: false }) record: RunRecord | null = null;
  /** The room's node records now (what-if overrides applied). */
  @property({ attribute: false }) nodes: readonly NodeRecord[] = [];
  /** The placement in force. */
  @property({ attribute: false }) placement: Placement | null = null;
  @property({ attribute: false }) events: readonly SwarmEventView[] = [];
  @property({ attribute: false }) stats: RunStats | null = null;
  /** The run's audits (null when it does not audit). */
  @property({ attribute: false }) audits: AuditView | null = null;
  @property({ attribute: false }) gaps: readonly BaselineGap[] = [];
  @property({ attribute: false }) why: PlanWhy | null = null;
  /** Page clock (performance.now()) for fading events. */
  @property({ type: Number }) nowMs = 0;
  /** Presenter view: only the picture and the big numbers. */
  @property({ type: Boolean, reflect: true }) presenter = false;

  private renderFigures(totals: ReturnType<typeof runTotals>) {
    const s = this.stats;
    return html`<div class="figures" data-testid="run-figures">
      <span><b data-testid="run-completed">${totals.completed}</b>completed</span>
      <span><b data-testid="run-failed">${s?.failed ?? totals.failed}</b>failed</span>
      ${s?.cancelled ? html`<span><b data-testid="run-cancelled">${s.cancelled}</b>cancelled</span>` : ''}
      ${s ? html`<span><b>${s.resent}</b>re-sent</span><span><b data-testid="run-replans">${s.replans}</b>re-plans</span>
        <span><b data-testid="run-dropped">${s.droppedResults}</b>results refused (wrong node or attempt)</span>
        ${s.lateResults ? html`<span><b data-testid="run-late">${s.lateResults}</b>late results of an earlier run ignored</span>` : ''}` : ''}
      ${this.renderAudits()}
      <span><b>${formatDuration(totals.latencyMs.mean)}</b>mean latency</span>
      <span><b data-testid="run-energy" data-joules=${String(totals.total.energyJoules)}>${formatJoules(totals.total.energyJoules)}</b>energy (estimated power)</span>
      <span><b data-testid="run-grams" data-grams=${String(totals.total.gramsCo2)}>${formatGramsCo2(totals.total.gramsCo2)}</b>CO2 total</span>
      <span><b>${formatGramsCo2(totals.gramsCo2PerInference)}</b>CO2 per inference</span>
      <span><b>${totals.total.gramsCo2 > 0 ? formatSignificant(totals.completed / totals.total.gramsCo2) : '-'}</b>inferences per gCO2</span>
    </div>`;
  }

  private renderAudits() {
    const a = this.audits;
    if (!a) return '';
    const title = `${formatShare(a.rate)} of requests are re-run slice by slice on this machine and compared; `
      + `referee time ${formatDuration(a.refereeMs)} here; its energy is in the run's ledger as node "coordinator" (power and grid estimated from this browser)`
      + (a.unjudged ? `; ${a.unjudged} audit(s) could not be judged` : '');
    return html`<span data-testid="run-audits" title=${title} data-requests=${String(a.requestsAudited)} data-slices=${String(a.slicesJudged)}
        data-mismatches=${String(a.mismatches)} data-quarantined=${a.quarantined.join(',')}>
        <b>${a.requestsAudited} / ${a.slicesJudged}</b>requests / slices audited (${formatShare(a.rate)})</span>
      <span><b data-testid="run-audit-mismatches" class=${a.mismatches ? 'bad' : ''}>${a.mismatches}</b>audit mismatches</span>
      ${a.quarantined.length ? html`<span data-testid="run-quarantined"><b>${a.quarantined.join(', ')}</b>quarantined (${a.suspectResults} earlier result(s) suspect)</span>` : ''}`;
  }

  private renderWhy() {
    const why = this.why;
    if (!why) return '';
    return html`<h3>Why this plan</h3>
      <ul class="why" data-testid="plan-why">${why.lines.map((l) => html`<li>${l}</li>`)}</ul>
      <table data-testid="plan-alternatives">
        <thead><tr><th>alternative (predicted)</th><th>latency</th><th>energy</th><th>gCO2</th><th>planner score (lower is better)</th></tr></thead>
        <tbody>${why.alternatives.map((a) => html`<tr data-key=${a.key}><td>${a.label}</td>
          ${a.prediction
            ? html`<td>${formatDuration(a.prediction.latencyMs)}</td><td>${formatJoules(a.prediction.energyJoules)}</td><td>${formatGramsCo2(a.prediction.gramsCo2)}</td><td>${formatSignificant(a.score ?? NaN)}</td>`
            : html`<td colspan="4">not possible: ${a.reason}</td>`}</tr>`)}</tbody>
      </table>`;
  }

  /**
   * What render derives from the record's rows, kept until the record changes: the Run panel
   * rebuilds the record at most 4 times a second but re-renders this on every result, and each of
   * these is a pass over every ledger row (docs/decisions.md, "A long run keeps its pace").
   */
  #derived: { readonly record: RunRecord; readonly totals: RunTotals; readonly busy: BusyShares; readonly latencies: readonly number[]; readonly byName: Readonly<Record<string, number>> } | undefined;
  /** Stream rates, kept until the record or the clock tick changes. */
  #streams: { readonly record: RunRecord; readonly nowMs: number; readonly streams: ReturnType<typeof streamRates> } | undefined;

  /** Done once the charts and the swarm picture have drawn too (the Run panel times its refreshes by it). */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    const children = [...(this.renderRoot?.querySelectorAll('ce-run-charts, ce-swarm-view') ?? [])] as LitElement[];
    await Promise.all(children.map((c) => c.updateComplete));
    return done;
  }

  override render() {
    const record = this.record;
    if (!record) return html``;
    const rows = record.ledger.rows;
    if (this.#derived?.record !== record) {
      const totals = runTotals(record);
      const byName = Object.fromEntries(Object.entries(totals.byNode).map(([n, t]) => [n, t.gramsCo2]));
      this.#derived = { record, totals, busy: busySharesOf(rows), latencies: record.requests.filter((r) => r.ok).map((r) => r.latencyMs ?? NaN), byName };
    }
    if (this.#streams?.record !== record || this.#streams.nowMs !== this.nowMs) this.#streams = { record, nowMs: this.nowMs, streams: streamRates(rows, Date.now()) };
    const { totals, busy, latencies, byName } = this.#derived;
    const presenter = presenterFrom(totals, record.baselines, record.configuration.inferences);
    const names = nodeNames(record);
    return html`
      <ce-swarm-view .nodes=${swarmNodesFrom(this.nodes, busy, new Set(this.audits?.quarantinedIds ?? []))} .placement=${this.placement} .streams=${this.#streams.streams}
        .events=${this.events} .nowMs=${this.nowMs} .presenter=${presenter}></ce-swarm-view>
      ${this.presenter ? '' : html`
        ${this.renderFigures(totals)}
        <h3>Grams saved, against what</h3>
        <ce-baselines .run=${totals.completed > 0 ? { gramsCo2PerInference: totals.gramsCo2PerInference, energyJoulesPerInference: totals.energyJoulesPerInference, latencyMs: totals.latencyMs.mean, completed: totals.completed } : null}
          .baselines=${record.baselines} .gaps=${this.gaps}></ce-baselines>
        ${this.renderWhy()}
        <ce-run-charts .latenciesMs=${latencies} .gramsByNode=${byName}></ce-run-charts>
        <div class="muted" style="font-size:0.8rem;color:#666">Throughput so far: ${formatRate(totals.completed / Math.max(1e-3, ((record.finishedAt ? Date.parse(record.finishedAt) : Date.now()) - Date.parse(record.startedAt)) / 1000))}; nodes named as in the history (${Object.values(names).join(', ')}).</div>`}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-run-live': CeRunLive;
  }
}
