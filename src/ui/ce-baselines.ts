import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { BaselineFigure } from '../history/run-record';
import type { BaselineGap } from './baselines';
import { savings } from './baselines';
import { formatChange, formatDuration, formatGramsCo2, formatJoules } from './format';

/**
 * "Grams saved, against what" (issue 14): the run's grams and joules per inference next to the same
 * work done by each named baseline (baselines.ts), the saving per inference and over the run, and
 * each figure's provenance. Live during a run and in its summary. Displays what it is given.
 */
@customElement('ce-baselines')
export class CeBaselines extends LitElement {
  static override styles = css`
    :host { display: block; }
    table { border-collapse: collapse; font-size: 0.9rem; margin: 8px 0; }
    th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #dde5dd; vertical-align: top; }
    .saved { color: #2e7d32; font-weight: 600; }
    .more { color: #c62828; font-weight: 600; }
    .prov { font-size: 0.8rem; color: #555; }
  `;

  /** The run so far, per completed inference (src/history/run-totals.ts), and its completed count. */
  @property({ attribute: false }) run: { readonly gramsCo2PerInference: number; readonly energyJoulesPerInference: number; readonly latencyMs: number; readonly completed: number } | null = null;
  /** Baseline figures (computeBaselines().figures). */
  @property({ attribute: false }) baselines: readonly BaselineFigure[] = [];
  /** Baselines that could not be computed, with why (computeBaselines().gaps). */
  @property({ attribute: false }) gaps: readonly BaselineGap[] = [];

  override render() {
    const run = this.run;
    if (!run) return html``;
    const rows = savings(run, this.baselines);
    const planned = this.baselines.find((b) => b.key === 'plan-predicted');
    return html`<table data-testid="baselines">
        <thead><tr><th></th><th>latency</th><th>energy / inference</th><th>gCO2 / inference</th><th>this run (measured) vs it</th><th>over ${run.completed} inferences</th>${planned ? html`<th>this plan vs it, both predicted</th>` : ''}</tr></thead>
        <tbody>
          <tr data-testid="baseline-run"><th>this run (measured)</th><td>${formatDuration(run.latencyMs)}</td><td>${formatJoules(run.energyJoulesPerInference)}</td><td>${formatGramsCo2(run.gramsCo2PerInference)}</td><td></td><td></td>${planned ? html`<td></td>` : ''}</tr>
          ${rows.map((s, i) => {
            const b = this.baselines[i]!;
            const cls = s.gramsCo2SavedPerInference >= 0 ? 'saved' : 'more';
            return html`<tr data-testid="baseline-row" data-key=${s.key} data-saved-grams=${String(s.gramsCo2Saved)}>
              <th>${s.label}<div class="prov">${s.provenance}</div></th>
              <td>${formatDuration(b.latencyMsPerInference)}</td>
              <td>${formatJoules(b.energyJoulesPerInference)}</td>
              <td>${formatGramsCo2(b.gramsCo2PerInference)}</td>
              <td class=${cls}>${formatChange(run.gramsCo2PerInference, b.gramsCo2PerInference)} carbon</td>
              <td class=${cls}>${s.gramsCo2Saved >= 0 ? `${formatGramsCo2(s.gramsCo2Saved)} saved` : `${formatGramsCo2(-s.gramsCo2Saved)} more`}</td>
              ${planned ? html`<td data-testid="baseline-like-for-like">${b.key === 'plan-predicted' ? '' : `${formatChange(planned.gramsCo2PerInference, b.gramsCo2PerInference)} carbon`}</td>` : ''}
            </tr>`;
          })}
          ${this.gaps.map((g) => html`<tr data-testid="baseline-gap"><th>${g.key}</th><td colspan=${planned ? 6 : 5} class="prov">not available: ${g.reason}</td></tr>`)}
        </tbody>
      </table>
      <div class="prov">Baselines are the planner's predictions for the same inferences; this run is measured by the ledger, and the planner's model can be far from the measurement (compare "this run's plan as predicted" with the measured row). The last column compares like for like: this run's plan and the baseline, both predicted. Power figures are estimates unless a node says otherwise.</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-baselines': CeBaselines;
  }
}
