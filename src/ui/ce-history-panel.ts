import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ComparisonRow } from '../history/compare-runs';
import { compareRuns } from '../history/compare-runs';
import { historyFileName, historyToCsv, historyToJson, parseHistoryJson, runFileName } from '../history/history-export';
import type { RunHistory, RunListItem } from '../history/history-store';
import { describePlan, nodeNames, runTitle, type RunRecord } from '../history/run-record';
import { runTotals } from '../history/run-totals';
import { compareInputsFromRuns } from './compare-modes';
import { downloadText } from './download';
import { formatDuration, formatGramsCo2, formatIntensity, formatJoules, formatShare, formatSignificant } from './format';
import type { HistoryEventDetail } from './ce-history-view';
import './ce-history-view';
import './ce-baselines';
import './ce-compare-view';

/**
 * The coordinator page's history (issue 14, "History"): RunHistory (IndexedDB) behind
 * ce-history-view. Lists the runs, opens one (its plan, nodes with their profiles, figures and
 * baselines), compares the ticked ones side by side (and as a compare chart), exports one, the
 * ticked or all as JSON/CSV named by run and date, and imports a history file back. Call
 * `reload()` after a run saved something.
 */
@customElement('ce-history-panel')
export class CeHistoryPanel extends LitElement {
  static override styles = css`
    :host { display: block; }
    table { border-collapse: collapse; font-size: 0.85rem; margin: 8px 0; }
    th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #dde5dd; vertical-align: top; }
    .opened { background: #f7faf7; border: 1px solid #dde5dd; border-radius: 8px; padding: 8px 12px; margin: 8px 0; }
    .placement { font-family: ui-monospace, monospace; font-size: 0.8rem; }
  `;

  @property({ attribute: false }) history: RunHistory | undefined;
  @state() private items: readonly RunListItem[] = [];
  @state() private unreadable: readonly { id: string; reason: string }[] = [];
  @state() private selected: readonly string[] = [];
  @state() private comparison: readonly ComparisonRow[] | null = null;
  @state() private compared: readonly RunRecord[] = [];
  @state() private opened: RunRecord | undefined;
  @state() private message = '';
  @state() private messageIsError = false;

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('history')) void this.reload();
  }

  /** Read the list again from IndexedDB. */
  async reload(): Promise<void> {
    if (!this.history) return;
    try {
      const { items, unreadable } = await this.history.list();
      this.items = items;
      this.unreadable = unreadable;
      this.selected = this.selected.filter((id) => items.some((i) => i.id === id));
    } catch (error) {
      this.say(`Could not read the history: ${(error as Error).message}`, true);
    }
  }

  private say(message: string, isError = false): void {
    this.message = message;
    this.messageIsError = isError;
  }

  private async runsOf(ids: readonly string[]): Promise<RunRecord[]> {
    if (!this.history) return [];
    if (ids.length === 0) return (await this.history.all()).runs;
    const runs = await Promise.all(ids.map((id) => this.history!.get(id)));
    return runs.filter((r): r is RunRecord => r !== undefined);
  }

  private async onOpen(id: string): Promise<void> {
    this.opened = await this.history?.get(id);
  }

  private async onSelect(ids: readonly string[]): Promise<void> {
    this.selected = ids;
    if (ids.length < 2) {
      this.comparison = null;
      this.compared = [];
      return;
    }
    // Oldest first, so columns read in the order the runs were made.
    const runs = (await this.runsOf(ids)).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    this.compared = runs;
    this.comparison = compareRuns(runs);
  }

  private async onExport(ids: readonly string[], format: 'json' | 'csv'): Promise<void> {
    const runs = await this.runsOf(ids);
    if (runs.length === 0) return this.say('Nothing to export.', true);
    const text = format === 'json' ? historyToJson(runs) : historyToCsv(runs);
    const name = runs.length === 1 ? runFileName(runs[0]!, format) : historyFileName(runs.length, new Date(), format);
    downloadText(text, name, format === 'json' ? 'application/json' : 'text/csv');
    this.say(`Exported ${runs.length} run${runs.length === 1 ? '' : 's'} as ${name}`);
  }

  private async onImport(file: File): Promise<void> {
    if (!this.history) return;
    try {
      const runs = parseHistoryJson(await file.text());
      const report = await this.history.import(runs);
      const renamed = Object.entries(report.renamed);
      this.say(`Imported ${report.added.length} run${report.added.length === 1 ? '' : 's'} from ${file.name}${report.unchanged.length ? `; ${report.unchanged.length} already here` : ''}${renamed.length ? `; kept under new ids: ${renamed.map(([a, b]) => `${a} as ${b}`).join(', ')}` : ''}.`);
      await this.reload();
    } catch (error) {
      this.say(`Nothing imported from ${file.name}: ${(error as Error).message}`, true);
    }
  }

  private async onDelete(id: string): Promise<void> {
    await this.history?.delete(id);
    if (this.opened?.id === id) this.opened = undefined;
    await this.reload();
    await this.onSelect(this.selected.filter((x) => x !== id));
  }

  private renderOpened() {
    const r = this.opened;
    if (!r) return '';
    const t = runTotals(r);
    const names = nodeNames(r);
    return html`<div class="opened" data-testid="history-opened" data-run-id=${r.id}>
      <strong>${runTitle(r)}</strong> - started ${r.startedAt.replace('T', ' ').slice(0, 19)}, ${r.status}${r.error ? `: ${r.error}` : ''}
      <button @click=${() => (this.opened = undefined)}>Close</button>
      <button @click=${() => this.onExport([r.id], 'json')}>Export (JSON)</button>
      <button @click=${() => this.onExport([r.id], 'csv')}>Export (CSV)</button>
      <div>Plan: <span class="placement">${describePlan(r.plan, names) || 'none'}</span>${r.replans.length ? html`; ${r.replans.length} re-plan(s): ${r.replans.map((x) => x.reason).join('; ')}` : ''}</div>
      <div>${t.completed} done${t.failed ? `, ${t.failed} failed` : ''}; ${formatJoules(t.total.energyJoules)}, ${formatGramsCo2(t.total.gramsCo2)}; per inference ${formatDuration(t.latencyMs.mean)}, ${formatGramsCo2(t.gramsCo2PerInference)}</div>
      <table><thead><tr><th>node</th><th>device</th><th>grid</th><th>power</th><th>energy</th><th>CO2</th><th>share of work</th></tr></thead>
        <tbody>${r.nodes.map((n) => {
          const f = t.byNode[names[n.nodeId] ?? n.name];
          return html`<tr><td>${names[n.nodeId]}</td><td>${n.deviceClass}${n.simulated ? ' (simulated)' : ''}</td>
            <td>${n.intensityConfigured ? `configured ${n.intensityZone}` : n.intensityZone} ${formatIntensity(n.gramsCo2PerKwh)}</td>
            <td>${formatSignificant(n.idleWatts)}-${formatSignificant(n.maxWatts)} W (${n.powerLabel})</td><td>${f ? formatJoules(f.energyJoules) : '-'}</td><td>${f ? formatGramsCo2(f.gramsCo2) : '-'}</td><td>${f ? formatShare(f.share) : '-'}</td></tr>`;
        })}</tbody></table>
      ${t.completed > 0 ? html`<ce-baselines .run=${{ gramsCo2PerInference: t.gramsCo2PerInference, energyJoulesPerInference: t.energyJoulesPerInference, latencyMs: t.latencyMs.mean, completed: t.completed }} .baselines=${r.baselines}></ce-baselines>` : ''}
    </div>`;
  }

  override render() {
    return html`<ce-history-view .items=${this.items} .selected=${this.selected} .comparison=${this.comparison} .unreadable=${this.unreadable}
        .message=${this.message} ?messageIsError=${this.messageIsError}
        @history-open=${(e: CustomEvent<HistoryEventDetail>) => this.onOpen(e.detail.id!)}
        @history-select=${(e: CustomEvent<HistoryEventDetail>) => this.onSelect(e.detail.ids ?? [])}
        @history-compare=${(e: CustomEvent<HistoryEventDetail>) => this.onSelect(e.detail.ids ?? [])}
        @history-export=${(e: CustomEvent<HistoryEventDetail>) => this.onExport(e.detail.ids ?? [], e.detail.format ?? 'json')}
        @history-import=${(e: CustomEvent<HistoryEventDetail>) => this.onImport(e.detail.file!)}
        @history-delete=${(e: CustomEvent<HistoryEventDetail>) => this.onDelete(e.detail.id!)}></ce-history-view>
      ${this.renderOpened()}
      ${this.compared.length >= 2 ? html`<ce-compare-view .configurations=${compareInputsFromRuns(this.compared)}></ce-compare-view>` : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-history-panel': CeHistoryPanel;
  }
}
