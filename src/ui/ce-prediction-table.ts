import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { PredictionRow } from '../cost/calibration';
import type { SliceCheckRow } from './plan-vs-run';

const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)} ms` : '-');
const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${Math.round(x * 100)}%` : '-');

/**
 * Every slice prediction next to what was then measured (src/cost/calibration.ts rows): the
 * prediction before the run (from the node's measured cost model) with its error against the
 * measured centre of the recent walls; when the run's plan was made with an earlier run's
 * measurements (src/swarm/run-learning.ts), also what that plan predicted per slice and its error;
 * and once the calibrated check is made (plan-vs-run.ts SliceCheck), the prediction it made next to
 * the median wall of the executions since, and that error. The calibrated prediction now is shown
 * without an error: it is fitted to the same recent walls it would be compared with, so that error
 * is 0 by construction. Displays state only.
 */
@customElement('ce-prediction-table')
export class CePredictionTable extends LitElement {
  static override styles = css`
    table { border-collapse: collapse; font-size: 0.85rem; margin: 8px 0; }
    th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #dde5dd; }
    caption { text-align: left; font-weight: 600; padding: 4px 0; }
  `;

  @property({ attribute: false }) rows: readonly PredictionRow[] = [];
  /** Node names by id (rows carry ids). */
  @property({ attribute: false }) names: ReadonlyMap<string, string> = new Map();
  /** What the plan predicted per slice (by the rows' slice key) when it was made with an earlier run's figures, and that run's name. */
  @property({ attribute: false }) planned: { readonly from: string; readonly ms: ReadonlyMap<string, number> } | null = null;
  /** The calibrated check's per-slice rows (by the rows' slice key) and after how many results it was made. */
  @property({ attribute: false }) checked: { readonly after: number; readonly rows: ReadonlyMap<string, SliceCheckRow>; readonly together?: Omit<SliceCheckRow, 'key'> } | null = null;

  override render() {
    if (!this.rows.length) return '';
    const planned = this.planned;
    const checked = this.checked;
    return html`<table data-testid="prediction-table">
      <caption>Predicted vs measured, per slice (wall time per execution)</caption>
      <thead><tr><th>node</th><th>slice (graph positions)</th><th>backend</th><th>runs</th><th>predicted before</th>${planned ? html`<th>planned with ${planned.from}</th>` : ''}<th>calibrated now</th><th>measured (recent)</th><th>error before</th>${planned ? html`<th>error planned</th>` : ''}${checked ? html`<th>predicted after ${checked.after} results</th><th>measured since</th><th>error after ${checked.after}</th>` : ''}</tr></thead>
      <tbody>${this.rows.map((r) => {
        const [, , start, end] = r.sliceKey.split('|');
        const plan = planned?.ms.get(r.sliceKey);
        const planError = plan !== undefined && r.measuredWallMs > 0 ? plan / r.measuredWallMs - 1 : NaN;
        const check = checked?.rows.get(r.sliceKey);
        return html`<tr data-key=${r.sliceKey} data-error-before=${r.baseError} data-error-planned=${Number.isFinite(planError) ? planError : ''} data-error-after-check=${check?.error ?? ''} data-executions-since-check=${check?.executions ?? ''}>
          <td>${this.names.get(r.nodeId) ?? r.nodeId}</td><td>[${start}, ${end})</td><td>${r.backend}</td><td>${r.executions}</td>
          <td>${ms(r.basePredictedMs)}</td>${planned ? html`<td>${ms(plan ?? NaN)}</td>` : ''}<td>${ms(r.predictedMs)}</td><td>${ms(r.measuredWallMs)}</td>
          <td>${pct(r.baseError)}</td>${planned ? html`<td>${pct(planError)}</td>` : ''}
          ${checked ? html`<td>${ms(check?.predictedMs ?? NaN)}</td><td>${check?.measuredMs !== undefined ? html`${ms(check.measuredMs)} <small>(median of ${check.executions})</small>` : '-'}</td><td>${pct(check?.error ?? NaN)}</td>` : ''}
        </tr>`;
      })}</tbody>
      ${checked?.together ? this.renderTogether(checked.together, Boolean(planned)) : ''}
    </table>`;
  }

  /** The slices of the pipeline together, under the check's columns (plan-vs-run.ts SliceCheck.together). */
  private renderTogether(t: Omit<SliceCheckRow, 'key'>, planned: boolean) {
    // Blank cells up to the check's columns: node .. error before, and error planned when shown.
    const blanks = 8 + (planned ? 2 : 0);
    return html`<tfoot><tr data-testid="prediction-together" data-error-after-check=${t.error ?? ''}>
      <td colspan=${blanks}>all slices together (sum of each slice's figures)</td>
      <td>${ms(t.predictedMs)}</td><td>${ms(t.measuredMs ?? NaN)}</td><td>${pct(t.error ?? NaN)}</td>
    </tr></tfoot>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-prediction-table': CePredictionTable;
  }
}
