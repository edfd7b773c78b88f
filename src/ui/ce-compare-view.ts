import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { Chart, registerables, type ChartDataset, type ScatterDataPoint } from 'chart.js';
import { axisBounds, axisScale, compareRows, type CompareInput, type CompareRow, type PlannedFigure } from './compare-modes';
import { MASS_UNITS, commonUnit, formatDuration, formatError, formatGramsCo2, formatJoules, formatSignificant, type ScaleUnit } from './format';
import type { Estimate } from '../lab/stats';

Chart.register(...registerables);

const FRONT = '#2e7d32';
const PALETTE = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#ad1457', '#5d4037', '#9e9d24', '#37474f', '#c62828'];

/**
 * `12.3 mgCO2 (95%: 11.9 to 12.8)`, or the mean alone with one repeat. Latency, energy and grams
 * cannot be negative: a Student-t low end below 0 (few, spread repeats) is shown as 0.
 */
function withInterval(e: Estimate, show: (x: number) => string, bare: (x: number) => string): string {
  return e.low === null || e.high === null ? show(e.mean) : `${show(e.mean)} (95%: ${bare(Math.max(0, e.low))} to ${bare(e.high)})`;
}

/**
 * The result of "compare modes" (issue 14): one row per configuration (latency, energy and gCO2 per
 * inference, with repeats and 95% intervals when there are repeats) and a chart.js scatter of latency
 * against gCO2 per inference with the Pareto front drawn and its points outlined. Axes turn
 * logarithmic when values span a decade; whiskers never stretch an axis (compare-modes.ts). A
 * column puts each configuration's planned figures (its first plans' predictions) next to what was
 * measured of them, with the error.
 * Displays what it is given; the comparison itself is run elsewhere.
 */
@customElement('ce-compare-view')
export class CeCompareView extends LitElement {
  static override styles = css`
    :host { display: block; }
    table { border-collapse: collapse; font-size: 0.9rem; margin: 8px 0; }
    th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #dde5dd; vertical-align: top; }
    tr.front td:first-child { font-weight: 600; color: #2e7d32; }
    .chart { position: relative; height: 340px; max-width: 760px; }
    .note { font-size: 0.85rem; color: #555; max-width: 760px; }
    .placement { font-family: ui-monospace, monospace; font-size: 0.8rem; color: #444; }
  `;

  /** One entry per configuration, with its repeats (see {@link CompareInput}). */
  @property({ attribute: false }) configurations: readonly CompareInput[] = [];
  /** Progress text while the comparison runs (e.g. `green: repeat 2 of 3`); empty when idle. */
  @property() progress = '';
  @query('canvas') private canvas!: HTMLCanvasElement;
  private chart: Chart<'scatter', ScatterDataPoint[]> | undefined;
  private rows: CompareRow[] = [];
  private error = '';

  override willUpdate(): void {
    try {
      this.rows = compareRows(this.configurations);
      this.error = '';
    } catch (error) {
      this.rows = [];
      this.error = (error as Error).message;
    }
  }

  override updated(): void {
    this.refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.chart?.destroy();
    this.chart = undefined;
  }

  private refresh(): void {
    if (!this.canvas) return;
    const rows = this.rows.filter((r) => Number.isFinite(r.latencyMs.mean) && Number.isFinite(r.gramsCo2PerInference.mean));
    const xScale = axisScale(rows.map((r) => r.latencyMs.mean));
    const yScale = axisScale(rows.map((r) => r.gramsCo2PerInference.mean));
    const x = axisBounds(rows.map((r) => r.latencyMs.mean), xScale);
    const y = axisBounds(rows.map((r) => r.gramsCo2PerInference.mean), yScale);
    const unit = commonUnit(rows.map((r) => r.gramsCo2PerInference.mean), MASS_UNITS);
    const clip = (v: number, b: { min: number; max: number }) => Math.min(b.max, Math.max(b.min, v));
    const colour = (i: number) => PALETTE[i % PALETTE.length]!;
    const datasets: ChartDataset<'scatter', ScatterDataPoint[]>[] = rows.map((r, i) => ({
      label: r.onFront ? `${r.label} (front)` : r.label,
      data: [{ x: r.latencyMs.mean, y: r.gramsCo2PerInference.mean }],
      backgroundColor: colour(i),
      borderColor: r.onFront ? '#000' : colour(i),
      borderWidth: r.onFront ? 2.5 : 0,
      pointRadius: r.onFront ? 8 : 6,
    }));
    for (const [i, r] of rows.entries()) {
      const tone = colour(i);
      const { low: yl, high: yh } = r.gramsCo2PerInference;
      const { low: xl, high: xh } = r.latencyMs;
      // Whiskers, clipped at the axis bounds (and at 0: no interval below zero grams).
      if (yl !== null && yh !== null) datasets.push({ label: `${r.label} 95% gCO2`, data: [{ x: r.latencyMs.mean, y: clip(Math.max(yl, 0), y) }, { x: r.latencyMs.mean, y: clip(yh, y) }], showLine: true, pointRadius: 0, borderColor: tone, borderWidth: 1.5 });
      if (xl !== null && xh !== null) datasets.push({ label: `${r.label} 95% latency`, data: [{ x: clip(Math.max(xl, 0), x), y: r.gramsCo2PerInference.mean }, { x: clip(xh, x), y: r.gramsCo2PerInference.mean }], showLine: true, pointRadius: 0, borderColor: tone, borderWidth: 1.5 });
    }
    const front = rows.filter((r) => r.onFront).sort((a, b) => a.latencyMs.mean - b.latencyMs.mean);
    if (front.length > 1) datasets.push({ label: 'Pareto front', data: front.map((r) => ({ x: r.latencyMs.mean, y: r.gramsCo2PerInference.mean })), showLine: true, pointRadius: 0, borderColor: FRONT, borderDash: [6, 4], borderWidth: 2 });
    const options = {
      animation: false as const,
      maintainAspectRatio: false,
      plugins: {
        legend: { labels: { filter: (item: { text: string }) => !item.text.includes('95%') } },
        tooltip: { callbacks: { label: (ctx: { dataset: { label?: string }; parsed: { x: number | null; y: number | null } }) => `${ctx.dataset.label}: ${formatDuration(ctx.parsed.x ?? NaN)}, ${formatGramsCo2(ctx.parsed.y ?? NaN)}` } },
      },
      scales: {
        x: { type: xScale, min: x.min, max: x.max, title: { display: true, text: `latency per inference, ms${xScale === 'logarithmic' ? ' (log scale)' : ''}` }, ticks: { includeBounds: false, callback: (v: number | string) => formatSignificant(Number(v), 2) } },
        y: { type: yScale, min: y.min, max: y.max, title: { display: true, text: `gCO2 per inference, ${unit.symbol}${yScale === 'logarithmic' ? ' (log scale)' : ''}` }, ticks: { includeBounds: false, callback: (v: number | string) => formatSignificant(Number(v) / unit.factor, 2) } },
      },
    };
    if (!this.chart) this.chart = new Chart<'scatter', ScatterDataPoint[]>(this.canvas, { type: 'scatter', data: { datasets }, options });
    else {
      this.chart.data.datasets = datasets;
      this.chart.options = options;
      this.chart.update();
    }
  }

  /** Planned next to measured per figure, one line each (`-` for runs without a plan). */
  private renderPlanned(r: CompareRow, unit: ScaleUnit) {
    const { latencyMs, energyJoules, gramsCo2 } = r.planned;
    if (!latencyMs && !energyJoules && !gramsCo2) return '-';
    const line = (key: string, label: string, f: PlannedFigure | undefined, show: (x: number) => string) =>
      f ? html`<div data-testid="compare-planned" data-key=${key} data-predicted=${String(f.predicted)} data-measured=${String(f.measured)} data-error=${String(f.error)}
          title=${`mean over ${f.repeats} repeat(s) of the first plan's prediction and of what was measured of it (the Run panel's plan check)`}>${label} ${show(f.predicted)} vs ${show(f.measured)} (${formatError(f.error)})</div>` : '';
    return html`${line('latency', 'latency', latencyMs, formatDuration)}${line('energy', 'energy', energyJoules, (v) => formatJoules(v))}${line('grams', 'operational CO2', gramsCo2, (v) => formatGramsCo2(v, unit))}`;
  }

  override render() {
    const unit = commonUnit(this.rows.map((r) => r.gramsCo2PerInference.mean), MASS_UNITS);
    const repeats = Math.min(...this.rows.map((r) => r.repeats));
    return html`
      ${this.progress ? html`<div data-testid="compare-progress">${this.progress}</div>` : ''}
      ${this.error ? html`<div role="alert" data-testid="compare-error">${this.error}</div>` : ''}
      <table data-testid="compare-table">
        <thead><tr><th>configuration</th><th>repeats</th><th>latency per inference</th><th>energy per inference</th><th>gCO2 per inference</th><th>planned (first plan) vs measured</th><th>placement</th></tr></thead>
        <tbody>
          ${this.rows.map(
            (r) => html`<tr class=${r.onFront ? 'front' : ''} data-testid="compare-row" data-label=${r.label} data-on-front=${String(r.onFront)}
                data-latency-ms=${String(r.latencyMs.mean)} data-grams-co2=${String(r.gramsCo2PerInference.mean)}>
              <td>${r.label}${r.onFront ? ' (Pareto front)' : ''}</td>
              <td>${r.repeats}</td>
              <td>${withInterval(r.latencyMs, formatDuration, (v) => formatSignificant(v))}</td>
              <td>${withInterval(r.energyJoulesPerInference, (v) => formatJoules(v), (v) => formatJoules(v))}</td>
              <td>${withInterval(r.gramsCo2PerInference, (v) => formatGramsCo2(v, unit), (v) => formatSignificant(v / unit.factor))}</td>
              <td>${this.renderPlanned(r, unit)}</td>
              <td class="placement">${r.placement}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <div class="chart"><canvas data-testid="compare-chart"></canvas></div>
      <p class="note">
        ${this.rows.length === 0 ? '' : repeats < 2
          ? 'One repeat per configuration: no interval. On one shared machine a single run\u2019s energy can vary by \u00b150%, so differences this small may be noise; compare with repeats.'
          : `Intervals are 95% over ${repeats}+ repeats (Student t). Configurations whose intervals overlap are not clearly different.`}
        Outlined points and the dashed line: the Pareto front (no other configuration is both faster and lower-carbon).
      </p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-compare-view': CeCompareView;
  }
}
