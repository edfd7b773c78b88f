import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ComparisonRow } from '../history/compare-runs';
import type { RunListItem } from '../history/history-store';
import { formatDuration, formatGramsCo2, formatJoules } from './format';

/** Detail of the events a {@link CeHistoryView} fires (all bubble and cross the shadow root). */
export interface HistoryEventDetail {
  /** `history-open`, `history-delete`: the run. */
  readonly id?: string;
  /** `history-select`, `history-compare`, `history-export`: the runs ticked (export: empty = all). */
  readonly ids?: readonly string[];
  /** `history-export`. */
  readonly format?: 'json' | 'csv';
  /** `history-import`: the file chosen. */
  readonly file?: File;
}

/**
 * The history of runs (issue 14, "History"): newest first, each with its title, start time, status,
 * nodes by name and totals (computed from its ledger rows); tick two or more to compare them side by
 * side; export the ticked runs or all of them as JSON or CSV; import a history file. Displays what
 * it is given and fires events; storage and files are handled by the page (src/history).
 *
 * Events (CustomEvent<HistoryEventDetail>): `history-open` {id}, `history-delete` {id},
 * `history-select` {ids}, `history-compare` {ids}, `history-export` {ids, format}, `history-import` {file}.
 */
@customElement('ce-history-view')
export class CeHistoryView extends LitElement {
  static override styles = css`
    :host { display: block; }
    table { border-collapse: collapse; font-size: 0.9rem; margin: 8px 0; width: 100%; }
    th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #dde5dd; vertical-align: top; }
    td.best { font-weight: 700; color: #2e7d32; }
    .bar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0; }
    .error { background: #fdecea; border: 1px solid #e57373; padding: 8px; border-radius: 6px; }
    .muted { color: #666; font-size: 0.85rem; }
  `;

  /** The runs, newest first (RunHistory.list().items). */
  @property({ attribute: false }) items: readonly RunListItem[] = [];
  /** Ids ticked for comparison or export. */
  @property({ attribute: false }) selected: readonly string[] = [];
  /** The comparison of the ticked runs (compareRuns), or null. */
  @property({ attribute: false }) comparison: readonly ComparisonRow[] | null = null;
  /** Stored records that failed their check (RunHistory.list().unreadable). */
  @property({ attribute: false }) unreadable: readonly { readonly id: string; readonly reason: string }[] = [];
  /** A message about the last import or export (an error, or `imported 3 runs`). */
  @property() message = '';
  /** Whether `message` is an error. */
  @property({ type: Boolean }) messageIsError = false;

  private fire(type: string, detail: HistoryEventDetail): void {
    this.dispatchEvent(new CustomEvent<HistoryEventDetail>(type, { detail, bubbles: true, composed: true }));
  }

  private toggle(id: string, on: boolean): void {
    const ids = on ? [...new Set([...this.selected, id])] : this.selected.filter((x) => x !== id);
    this.fire('history-select', { ids });
  }

  private renderComparison() {
    const rows = this.comparison;
    if (!rows || rows.length === 0) return '';
    const runs = rows[0]!.text.length;
    return html`<table data-testid="history-compare">
      <tbody>
        ${rows.map((r) => html`<tr data-key=${r.key}><th>${r.label}</th>${Array.from({ length: runs }, (_, i) => html`<td class=${r.best === i ? 'best' : ''}>${r.text[i]}</td>`)}</tr>`)}
      </tbody>
    </table>`;
  }

  override render() {
    const picked = this.selected.length;
    return html`
      <div class="bar">
        <button data-testid="history-compare-button" ?disabled=${picked < 2} @click=${() => this.fire('history-compare', { ids: this.selected })}>Compare ${picked >= 2 ? picked : ''} runs</button>
        <button data-testid="history-export-json" ?disabled=${this.items.length === 0} @click=${() => this.fire('history-export', { ids: this.selected, format: 'json' })}>Export ${picked ? 'ticked' : 'all'} (JSON)</button>
        <button data-testid="history-export-csv" ?disabled=${this.items.length === 0} @click=${() => this.fire('history-export', { ids: this.selected, format: 'csv' })}>Export ${picked ? 'ticked' : 'all'} (CSV)</button>
        <label>Import a history file <input data-testid="history-import" type="file" accept="application/json,.json"
          @change=${(e: Event) => { const input = e.target as HTMLInputElement; const file = input.files?.[0]; if (file) this.fire('history-import', { file }); input.value = ''; }} /></label>
      </div>
      ${this.message ? html`<div class=${this.messageIsError ? 'error' : 'muted'} role=${this.messageIsError ? 'alert' : 'status'} data-testid="history-message">${this.message}</div>` : ''}
      ${this.items.length === 0 ? html`<p class="muted" data-testid="history-empty">No runs kept yet: every run is saved here as it goes.</p>` : html`
      <table data-testid="history-table">
        <thead><tr><th></th><th>run</th><th>started</th><th>status</th><th>nodes</th><th>done</th><th>latency</th><th>energy</th><th>gCO2</th><th>gCO2 per inference</th><th></th></tr></thead>
        <tbody>
          ${this.items.map((item) => html`<tr data-testid="history-row" data-run-id=${item.id}
              data-energy-joules=${String(item.totals.total.energyJoules)} data-grams-co2=${String(item.totals.total.gramsCo2)}>
            <td><input type="checkbox" aria-label="tick ${item.title}" .checked=${this.selected.includes(item.id)} @change=${(e: Event) => this.toggle(item.id, (e.target as HTMLInputElement).checked)} /></td>
            <td><a href="#" @click=${(e: Event) => { e.preventDefault(); this.fire('history-open', { id: item.id }); }}>${item.title}</a></td>
            <td>${item.startedAt.replace('T', ' ').slice(0, 19)}</td>
            <td>${item.status}</td>
            <td>${item.nodeNames.join(', ')}</td>
            <td>${item.totals.completed}${item.totals.failed ? html` (${item.totals.failed} failed)` : ''}</td>
            <td>${formatDuration(item.totals.latencyMs.mean)}</td>
            <td>${formatJoules(item.totals.total.energyJoules)}</td>
            <td>${formatGramsCo2(item.totals.total.gramsCo2)}</td>
            <td>${formatGramsCo2(item.totals.gramsCo2PerInference)}</td>
            <td><button aria-label="delete ${item.title}" @click=${() => this.fire('history-delete', { id: item.id })}>Delete</button></td>
          </tr>`)}
        </tbody>
      </table>`}
      ${this.unreadable.length ? html`<div class="error" data-testid="history-unreadable">${this.unreadable.length} stored run(s) could not be read and are kept untouched: ${this.unreadable.map((u) => u.reason).join('; ')}</div>` : ''}
      ${this.renderComparison()}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-history-view': CeHistoryView;
  }
}
