import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { Chart, registerables } from 'chart.js';
import { MASS_UNITS, commonUnit, formatSignificant } from './format';

Chart.register(...registerables);

/** Live charts of a run: latency per request, and CO2 per node in one fitting unit. Renders data only. */
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

  override firstUpdated(): void {
    this.latencyChart = new Chart(this.latencyCanvas, {
      type: 'line',
      data: { labels: [], datasets: [{ label: 'latency per inference (ms)', data: [], borderColor: '#2e7d32', pointRadius: 1 }] },
      options: { animation: false, maintainAspectRatio: false, scales: { x: { title: { display: true, text: 'inference' } } } },
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
      this.latencyChart.data.labels = this.latenciesMs.map((_, i) => i + 1);
      this.latencyChart.data.datasets[0]!.data = [...this.latenciesMs];
      this.latencyChart.update();
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
