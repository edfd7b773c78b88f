/**
 * The experiment report: one self-contained HTML file (inline CSS and SVG we generate, no script, no
 * network), so it opens from disk anywhere. Plots: latency vs gCO2 per inference per configuration
 * with the Pareto front, the weight sweep (gCO2 and latency against wC), node usage per
 * configuration. Tables: Table II and Table V shapes with 95% intervals.
 */
import { paretoFront } from '../plan/plan-sweep';
import type { ConfigurationResult, ExperimentResults } from './results';
import { formatChange, formatEstimate } from './tables';

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLOURS = ['#2e7d32', '#1565c0', '#c62828', '#ef6c00', '#6a1b9a', '#00838f', '#9e9d24', '#5d4037', '#ad1457', '#37474f'];
const W = 640;
const H = 360;
const M = { left: 70, right: 20, top: 20, bottom: 50 };

interface Axis { min: number; max: number }
function axis(values: readonly number[]): Axis {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { min: 0, max: 1 };
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min || Math.abs(max) || 1;
  return { min: Math.max(0, min - span * 0.1), max: max + span * 0.1 };
}
const sx = (a: Axis, v: number) => M.left + ((v - a.min) / (a.max - a.min)) * (W - M.left - M.right);
const sy = (a: Axis, v: number) => H - M.bottom - ((v - a.min) / (a.max - a.min)) * (H - M.top - M.bottom);

function frame(x: Axis, y: Axis, xLabel: string, yLabel: string, yFormat: (v: number) => string): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [`<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#555"/>`, `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#555"/>`];
  for (const t of ticks) {
    const xv = x.min + t * (x.max - x.min);
    const yv = y.min + t * (y.max - y.min);
    parts.push(`<text x="${sx(x, xv)}" y="${H - M.bottom + 16}" font-size="11" text-anchor="middle">${esc(+xv.toPrecision(3) + '')}</text>`);
    parts.push(`<text x="${M.left - 6}" y="${sy(y, yv) + 4}" font-size="11" text-anchor="end">${esc(yFormat(yv))}</text>`);
    parts.push(`<line x1="${M.left}" y1="${sy(y, yv)}" x2="${W - M.right}" y2="${sy(y, yv)}" stroke="#eee"/>`);
  }
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text x="14" y="${(M.top + H - M.bottom) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(M.top + H - M.bottom) / 2})">${esc(yLabel)}</text>`);
  return parts.join('');
}

const svg = (id: string, title: string, body: string) =>
  `<svg data-plot="${id}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}"><rect width="${W}" height="${H}" fill="#fff"/>${body}</svg>`;

/** Latency vs gCO2 per inference, one point per configuration, the Pareto front as a line. */
export function scatterPlot(configs: readonly ConfigurationResult[]): string {
  const points = configs.filter((c) => Number.isFinite(c.latencyMs.mean) && Number.isFinite(c.gramsCo2PerInference.mean)).map((c) => ({ c, latencyMs: c.latencyMs.mean, gramsCo2: c.gramsCo2PerInference.mean }));
  const x = axis(points.flatMap((p) => [p.latencyMs, p.c.latencyMs.low ?? p.latencyMs, p.c.latencyMs.high ?? p.latencyMs]));
  const y = axis(points.flatMap((p) => [p.gramsCo2, p.c.gramsCo2PerInference.low ?? p.gramsCo2, p.c.gramsCo2PerInference.high ?? p.gramsCo2]));
  const front = paretoFront(points);
  const body = [frame(x, y, 'latency per inference, ms', 'gCO2 per inference', (v) => v.toExponential(1))];
  if (front.length > 1) body.push(`<polyline data-series="pareto" fill="none" stroke="#2e7d32" stroke-width="2" stroke-dasharray="5 3" points="${front.map((p) => `${sx(x, p.latencyMs)},${sy(y, p.gramsCo2)}`).join(' ')}"/>`);
  points.forEach((p, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const onFront = front.includes(p);
    const { low: xl, high: xh } = p.c.latencyMs;
    const { low: yl, high: yh } = p.c.gramsCo2PerInference;
    if (xl !== null && xh !== null) body.push(`<line x1="${sx(x, xl)}" y1="${sy(y, p.gramsCo2)}" x2="${sx(x, xh)}" y2="${sy(y, p.gramsCo2)}" stroke="${colour}" opacity="0.5"/>`);
    if (yl !== null && yh !== null) body.push(`<line x1="${sx(x, p.latencyMs)}" y1="${sy(y, yl)}" x2="${sx(x, p.latencyMs)}" y2="${sy(y, yh)}" stroke="${colour}" opacity="0.5"/>`);
    body.push(`<circle data-point="${esc(p.c.label)}" cx="${sx(x, p.latencyMs)}" cy="${sy(y, p.gramsCo2)}" r="${onFront ? 6 : 4.5}" fill="${colour}" stroke="${onFront ? '#000' : 'none'}"><title>${esc(`${p.c.label}: ${p.latencyMs.toFixed(1)} ms, ${p.gramsCo2.toExponential(3)} g`)}</title></circle>`);
    body.push(`<text x="${sx(x, p.latencyMs) + 8}" y="${sy(y, p.gramsCo2) - 6 - (i % 3) * 10}" font-size="10" fill="${colour}">${esc(p.c.label)}</text>`);
  });
  return svg('pareto', 'latency vs gCO2 per inference with the Pareto front', body.join(''));
}

/** gCO2 per inference and latency against the carbon weight wC of the sweep points. */
export function sweepPlot(configs: readonly ConfigurationResult[]): string {
  const points = configs.filter((c) => c.carbonWeight !== undefined && Number.isFinite(c.gramsCo2PerInference.mean)).sort((a, b) => a.carbonWeight! - b.carbonWeight!);
  if (points.length === 0) return '<p class="muted">No weight sweep in this scenario.</p>';
  const x: Axis = { min: 0, max: 1 };
  const y = axis(points.map((p) => p.gramsCo2PerInference.mean));
  const yl = axis(points.map((p) => p.latencyMs.mean));
  const body = [frame(x, y, 'carbon weight wC (rest: latency/energy in Performance proportions)', 'gCO2 per inference (green)', (v) => v.toExponential(1))];
  body.push(`<polyline data-series="grams" fill="none" stroke="#2e7d32" stroke-width="2" points="${points.map((p) => `${sx(x, p.carbonWeight!)},${sy(y, p.gramsCo2PerInference.mean)}`).join(' ')}"/>`);
  body.push(`<polyline data-series="latency" fill="none" stroke="#1565c0" stroke-width="2" stroke-dasharray="4 3" points="${points.map((p) => `${sx(x, p.carbonWeight!)},${sy(yl, p.latencyMs.mean)}`).join(' ')}"/>`);
  for (const p of points) {
    body.push(`<circle cx="${sx(x, p.carbonWeight!)}" cy="${sy(y, p.gramsCo2PerInference.mean)}" r="4" fill="#2e7d32"><title>${esc(`${p.label}: ${p.placement}`)}</title></circle>`);
    body.push(`<circle cx="${sx(x, p.carbonWeight!)}" cy="${sy(yl, p.latencyMs.mean)}" r="4" fill="#1565c0"><title>${esc(`${p.label}: ${p.latencyMs.mean.toFixed(1)} ms`)}</title></circle>`);
  }
  body.push(`<text x="${W - M.right}" y="${M.top + 10}" font-size="11" text-anchor="end" fill="#1565c0">dashed blue: latency ${yl.min.toFixed(0)}-${yl.max.toFixed(0)} ms (right scale)</text>`);
  return svg('sweep', 'weight sweep', body.join(''));
}

/** Stacked horizontal bars: share of busy time per node, per configuration. */
export function usagePlot(configs: readonly ConfigurationResult[], nodeNames: readonly string[]): string {
  const rowH = 22;
  const height = M.top + configs.length * rowH + 60;
  const left = 190;
  const width = W - left - M.right;
  const body: string[] = [`<rect width="${W}" height="${height}" fill="#fff"/>`];
  configs.forEach((c, i) => {
    let x0 = left;
    const y = M.top + i * rowH;
    body.push(`<text x="${left - 6}" y="${y + 15}" font-size="11" text-anchor="end">${esc(c.label)}</text>`);
    nodeNames.forEach((n, k) => {
      const share = c.nodeUsage[n] ?? 0;
      if (share <= 0) return;
      body.push(`<rect data-bar="${esc(`${c.label}:${n}`)}" x="${x0}" y="${y + 3}" width="${share * width}" height="${rowH - 6}" fill="${COLOURS[k % COLOURS.length]}"><title>${esc(`${n}: ${(share * 100).toFixed(1)}%`)}</title></rect>`);
      x0 += share * width;
    });
  });
  const ly = M.top + configs.length * rowH + 20;
  nodeNames.forEach((n, k) => {
    const lx = left + (k % 4) * 110;
    const yy = ly + Math.floor(k / 4) * 16;
    body.push(`<rect x="${lx}" y="${yy}" width="10" height="10" fill="${COLOURS[k % COLOURS.length]}"/><text x="${lx + 14}" y="${yy + 9}" font-size="11">${esc(n)}</text>`);
  });
  return `<svg data-plot="usage" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height + Math.floor(nodeNames.length / 4) * 16}" role="img" aria-label="node usage">${body.join('')}</svg>`;
}

/** The whole report as one HTML document. */
export function renderReport(r: ExperimentResults): string {
  const names = r.nodes.map((n) => n.name);
  const rowsII = r.configurations
    .map((c) => `<tr><td>${esc(c.label)}</td><td>${formatEstimate(c.latencyMs, 1)}</td><td>${formatEstimate(c.throughputPerSecond, 2)}</td><td>${formatEstimate(c.energyJoulesPerInference, 3)}</td><td>${formatEstimate(c.gramsCo2PerInference, 2, true)}</td><td>${formatEstimate(c.inferencesPerGramCo2, 0)}</td><td>${c.label === r.monolithic ? '(reference)' : formatChange(c.reductionVsMonolithic)}</td><td>${c.planningMsPerRequest.mean.toFixed(3)}</td><td>${c.predicted ? `${c.predicted.latencyMs.toFixed(1)} ms, ${c.predicted.gramsCo2.toExponential(2)} g` : '-'}</td></tr>`)
    .join('');
  const rowsV = r.configurations
    .map((c) => `<tr><td>${esc(c.label)}</td>${names.map((n) => `<td>${c.nodeUsage[n] ? `${(c.nodeUsage[n]! * 100).toFixed(0)}%` : '-'}</td>`).join('')}<td><code>${esc(c.placement)}</code></td></tr>`)
    .join('');
  const nodes = r.nodes
    .map((n) => `<tr><td>${esc(n.name)}</td><td>${n.slowdown.toFixed(2)}</td><td>${(n.flopsPerSecond / 1e9).toFixed(2)}</td><td>${n.gramsCo2PerKwh} (${esc(n.intensitySource)})</td><td>${n.planNode ? `${n.planNode.power.idleWatts.toFixed(2)}-${n.planNode.power.maxWatts.toFixed(2)} W` : '-'} (${esc(n.powerLabel)})</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CarbonEdge lab: ${esc(r.scenario)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:20px auto;color:#1b2a1f;padding:0 12px}table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #dde5dd;text-align:left}.muted{color:#666}.plots{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{font-size:13px;color:#444}code{font-size:12px}</style></head>
<body>
<h1>CarbonEdge lab: ${esc(r.scenario)}</h1>
<p>${r.method === 'browsers' ? 'Measured with real slices in headless Chromium pages over WebRTC' : 'Simulated with the planner\u2019s model of each node (no browsers)'}; model <b>${esc(r.model)}</b>, ${r.inferences} inferences x ${r.repetitions} repetitions; started ${esc(r.startedAt)}, took ${(r.durationMs / 1000).toFixed(0)} s. Intervals are 95% (Student t over repetitions).</p>
<p><b>Power figures are estimates</b> (configured per node, not metered), so energy and gCO2 are estimates too; intensities are as configured.</p>
<h2>Nodes</h2><table><tr><th>node</th><th>slowdown</th><th>measured GFLOP/s</th><th>gCO2/kWh</th><th>power</th></tr>${nodes}</table>
<h2>Results (Table II shape)</h2>
<table><tr><th>configuration</th><th>latency ms</th><th>req/s</th><th>J/inference</th><th>gCO2/inference</th><th>inferences/gCO2</th><th>vs monolithic</th><th>planning ms/request</th><th>planner predicted</th></tr>${rowsII}</table>
<h2>Node usage (Table V shape, share of busy time)</h2>
<table><tr><th>configuration</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>placement</th></tr>${rowsV}</table>
<div class="plots">
<figure>${scatterPlot(r.configurations)}<figcaption>Latency vs gCO2 per inference (bars: 95% intervals; dashed: Pareto front, outlined points on it).</figcaption></figure>
<figure>${sweepPlot(r.configurations)}<figcaption>Weight sweep of our planner.</figcaption></figure>
<figure>${usagePlot(r.configurations, names)}<figcaption>Node usage: share of busy time per node.</figcaption></figure>
</div>
<h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<p class="muted">Environment: ${esc(Object.entries(r.environment).map(([k, v]) => `${k} ${v}`).join(', '))}. Raw rows: results.json, requests.csv, ledger.csv (every ledger provenance field).</p>
</body></html>
`;
}
