import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { Chart, registerables } from 'chart.js';
import { MASS_UNITS, commonUnit, formatSignificant } from './format';

Chart.register(...registerables);

/**
 * Live charts of a run: latency per request, and CO2 per node in one fitting unit. Renders data only.
 * The latency chart's x axis is linear (the inference's number), not one category per result, and
 * Chart.js decimates it to the canvas's width (min-max, so spikes stay): a category axis measured
 * every result's label on every update, which took most of the coordinator's main thread once a
 * run had a few thousand results (bench/README.md, "long-run").
 */
@customElement('ce-run-charts')
export class CeRunCharts extends LitElement {
  static override styles = css`
    :host { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
    div { position: relative; height: 220px; }
  `;

  /** Latency of each completed request, ms, in completion order. */
  @property({ attribute: false }) latenciesMs: readonly number[] = [];
  /** gCO2 per node name. */
  @property({ attribute: false }) gramsByNode: Readonly<Record<string, number>> = {};
  @query('#latency') private latencyCanvas!: HTMLCanvasElement;
  @query('#carbon') private carbonCanvas!: HTMLCanvasElement;
  private latencyChart: Chart | undefined;
  private carbonChart: Chart | undefined;
  /** The latency chart's points so far (x = the inference's number in completion order). */
  private readonly points: { x: number; y: number }[] = [];

  override firstUpdated(): void {
    this.latencyChart = new Chart(this.latencyCanvas, {
      type: 'line',
      data: { datasets: [{ label: 'latency per inference (ms)', data: [], borderColor: '#2e7d32', pointRadius: 1, indexAxis: 'x' }] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        scales: { x: { type: 'linear', title: { display: true, text: 'inference' }, ticks: { precision: 0 } } },
        plugins: { decimation: { enabled: true, algorithm: 'min-max' } },
      },
    });
    this.carbonChart = new Chart(this.carbonCanvas, {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'gCO2 per node (run so far)', data: [], backgroundColor: '#81c784' }] },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { ticks: { callback: (v: number | string) => formatSignificant(Number(v), 2) } } } },
    });
    this.refresh();
  }

  override updated(): void {
    this.refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.latencyChart?.destroy();
    this.carbonChart?.destroy();
  }

  private refresh(): void {
    if (this.latencyChart) {
      // Results only ever append within a run: extend the points, or start again for another run.
      const ms = this.latenciesMs;
      const points = this.points;
      if (ms.length < points.length || (points.length > 0 && !Object.is(points[0]!.y, ms[0]))) points.length = 0;
      for (let i = points.length; i < ms.length; i++) points.push({ x: i + 1, y: ms[i]! });
      this.latencyChart.data.datasets[0]!.data = points.slice();
      this.latencyChart.update();
      this.latencyCanvas.dataset.points = String(points.length);
    }
    if (this.carbonChart) {
      // One unit for every bar (the median's: ugCO2, mgCO2, ...), never a column of e-notation.
      const grams = Object.values(this.gramsByNode);
      const unit = commonUnit(grams, MASS_UNITS);
      this.carbonChart.data.labels = Object.keys(this.gramsByNode);
      this.carbonChart.data.datasets[0]!.label = `CO2 per node (run so far), ${unit.symbol}CO2`;
      this.carbonChart.data.datasets[0]!.data = grams.map((g) => g / unit.factor);
      this.carbonChart.update();
    }
  }

  override render() {
    return html`<div><canvas id="latency" data-testid="latency-chart"></canvas></div><div><canvas id="carbon" data-testid="carbon-chart"></canvas></div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-run-charts': CeRunCharts;
  }
}
