/**
 * The experiment report: one self-contained HTML file (inline CSS and SVG we generate, no script, no
 * network), so it opens from disk anywhere. Plots: latency vs gCO2 per inference per configuration
 * with the Pareto front, the weight sweep (gCO2 on the left axis, latency on a drawn right axis,
 * against wC), node usage per configuration. Tables: Table II and Table V shapes with 95% intervals.
 *
 * Readability rules (issue 14): an axis whose positive values span a decade or more is logarithmic;
 * axes are fitted to the means, never to the 95% whiskers (which are clipped at the plot edge and at
 * 0); labels are placed where they neither overlap nor leave the plot; sweep points that share a
 * placement are the same work and are joined by a flat bar, not drawn as a trend; usage colours
 * follow each node's grid intensity (green = clean); a configured intensity reads `configured`.
 */
import { paretoFront } from '../plan/plan-sweep';
import { budgetVerdicts, replicaVerdicts, slicesTogether, type ConfigurationResult, type ExperimentResults } from './results';
import { formatChange, formatEstimate } from './tables';

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLOURS = ['#1565c0', '#6a1b9a', '#00838f', '#ef6c00', '#5d4037', '#ad1457', '#37474f', '#9e9d24', '#2e7d32', '#c62828'];
const W = 680;
const H = 380;
const M = { left: 78, right: 70, top: 24, bottom: 52 };

/** A linear or logarithmic axis over [min, max]. */
export interface Scale {
  readonly kind: 'linear' | 'log';
  readonly min: number;
  readonly max: number;
}

/**
 * The axis for `means`: logarithmic when all are > 0 and max / min >= 10, else linear starting at
 * >= 0 for non-negative data; padded 10% (linear) or x1.3 (log). Whiskers are not part of the fit.
 */
export function fitScale(means: readonly number[]): Scale {
  const xs = means.filter(Number.isFinite);
  if (xs.length === 0) return { kind: 'linear', min: 0, max: 1 };
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (lo > 0 && hi / lo >= 10) return { kind: 'log', min: lo / 1.3, max: hi * 1.3 };
  const span = hi - lo || Math.abs(hi) || 1;
  return { kind: 'linear', min: lo >= 0 ? Math.max(0, lo - span * 0.1) : lo - span * 0.1, max: hi + span * 0.1 };
}

/** Position of v in [0, 1] along the scale (outside [0, 1] when v is off the axis). */
export function unitPosition(s: Scale, v: number): number {
  if (s.kind === 'log') return (Math.log10(Math.max(v, s.min / 1e6)) - Math.log10(s.min)) / (Math.log10(s.max) - Math.log10(s.min));
  return (v - s.min) / (s.max - s.min);
}

/** Tick values: 1-2-5 steps (linear, about 5 ticks) or powers of ten (log; with 2 and 5 when under 3 decades). */
export function ticks(s: Scale): number[] {
  if (s.kind === 'log') {
    const out: number[] = [];
    const decades = Math.log10(s.max / s.min);
    for (let e = Math.floor(Math.log10(s.min)); e <= Math.ceil(Math.log10(s.max)); e++) {
      for (const m of decades < 3 ? [1, 2, 5] : [1]) {
        const v = m * 10 ** e;
        if (v >= s.min && v <= s.max) out.push(+v.toPrecision(6));
      }
    }
    return out;
  }
  const raw = (s.max - s.min) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((x) => x >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(s.min / step) * step; v <= s.max + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** Unit for gram figures: the median's (ug, mg or g); values are shown divided by its factor. */
export function massUnit(values: readonly number[]): { symbol: string; factor: number } {
  const xs = values.filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  const m = xs.length ? xs[Math.floor(xs.length / 2)]! : 1;
  return m < 1e-3 ? { symbol: 'ug', factor: 1e-6 } : m < 1 ? { symbol: 'mg', factor: 1e-3 } : { symbol: 'g', factor: 1 };
}

/** Three significant digits, fixed notation (never e-notation). */
export function sig(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (v === 0) return '0';
  const decimals = Math.min(12, Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v)))));
  return String(Number(Number(v.toPrecision(3)).toFixed(decimals)));
}

const px = (s: Scale, v: number) => M.left + unitPosition(s, v) * (W - M.left - M.right);
const py = (s: Scale, v: number) => H - M.bottom - unitPosition(s, v) * (H - M.top - M.bottom);
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

function frame(x: Scale, y: Scale, xLabel: string, yLabel: string, xFormat: (v: number) => string, yFormat: (v: number) => string): string {
  const parts = [`<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#555"/>`, `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#555"/>`];
  for (const v of ticks(x)) parts.push(`<text x="${px(x, v)}" y="${H - M.bottom + 16}" font-size="11" text-anchor="middle">${esc(xFormat(v))}</text>`);
  for (const v of ticks(y)) {
    parts.push(`<text x="${M.left - 6}" y="${py(y, v) + 4}" font-size="11" text-anchor="end">${esc(yFormat(v))}</text>`);
    parts.push(`<line x1="${M.left}" y1="${py(y, v)}" x2="${W - M.right}" y2="${py(y, v)}" stroke="#eee"/>`);
  }
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" font-size="12" text-anchor="middle">${esc(xLabel + (x.kind === 'log' ? ' (log scale)' : ''))}</text>`);
  const cy = (M.top + H - M.bottom) / 2;
  parts.push(`<text x="16" y="${cy}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${cy})">${esc(yLabel + (y.kind === 'log' ? ' (log scale)' : ''))}</text>`);
  return parts.join('');
}

const svg = (id: string, title: string, body: string, height = H) =>
  `<svg data-plot="${id}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(title)}"><rect width="${W}" height="${height}" fill="#fff"/>${body}</svg>`;

interface Box { x: number; y: number; w: number; h: number }
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Place a label near (cx, cy): the first of eight positions around the point whose box stays inside
 * the plot and overlaps no placed label or point; else the least-bad inside position.
 */
export function placeLabel(text: string, cx: number, cy: number, taken: Box[], fontSize = 10): { x: number; y: number; anchor: 'start' | 'end' | 'middle' } {
  const w = text.length * fontSize * 0.6;
  const h = fontSize + 2;
  const candidates: { x: number; y: number; anchor: 'start' | 'end' | 'middle' }[] = [
    { x: cx + 8, y: cy - 6, anchor: 'start' }, { x: cx + 8, y: cy + 14, anchor: 'start' }, { x: cx - 8, y: cy - 6, anchor: 'end' }, { x: cx - 8, y: cy + 14, anchor: 'end' },
    { x: cx, y: cy - 10, anchor: 'middle' }, { x: cx, y: cy + 20, anchor: 'middle' }, { x: cx + 8, y: cy - 20, anchor: 'start' }, { x: cx - 8, y: cy + 28, anchor: 'end' },
  ];
  const boxOf = (c: (typeof candidates)[number]): Box => ({ x: c.anchor === 'start' ? c.x : c.anchor === 'end' ? c.x - w : c.x - w / 2, y: c.y - fontSize, w, h });
  const inside = (b: Box) => b.x >= 2 && b.x + b.w <= W - 2 && b.y >= 2 && b.y + b.h <= H - M.bottom;
  let best = candidates[0]!;
  let bestScore = Infinity;
  for (const c of candidates) {
    const b = boxOf(c);
    const score = (inside(b) ? 0 : 1000) + taken.filter((t) => overlaps(t, b)).length;
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
    if (score === 0) break;
  }
  taken.push(boxOf(best));
  return best;
}

/** A whisker from lo to hi at the scale's coordinates, clipped at the plot and at 0; caps only on unclipped ends. */
function whisker(s: Scale, lo: number, hi: number, at: (v: number) => number, draw: (a: number, b: number, capA: boolean, capB: boolean) => string): string {
  const low = Math.max(0, lo);
  const a = clamp(low, s.min, s.max);
  const b = clamp(hi, s.min, s.max);
  return draw(at(a), at(b), a === low, b === hi);
}

/** Latency vs gCO2 per inference, one point per configuration, the Pareto front as a line. */
export function scatterPlot(configs: readonly ConfigurationResult[]): string {
  const points = configs.filter((c) => Number.isFinite(c.latencyMs.mean) && Number.isFinite(c.gramsCo2PerInference.mean)).map((c) => ({ c, latencyMs: c.latencyMs.mean, gramsCo2: c.gramsCo2PerInference.mean }));
  const x = fitScale(points.map((p) => p.latencyMs));
  const y = fitScale(points.map((p) => p.gramsCo2));
  const unit = massUnit(points.map((p) => p.gramsCo2));
  const front = paretoFront(points);
  const body = [frame(x, y, 'latency per inference, ms', `gCO2 per inference, ${unit.symbol}`, sig, (v) => sig(v / unit.factor))];
  if (front.length > 1) body.push(`<polyline data-series="pareto" fill="none" stroke="#2e7d32" stroke-width="2" stroke-dasharray="5 3" points="${front.map((p) => `${px(x, p.latencyMs)},${py(y, p.gramsCo2)}`).join(' ')}"/>`);
  const taken: Box[] = points.map((p) => ({ x: px(x, p.latencyMs) - 6, y: py(y, p.gramsCo2) - 6, w: 12, h: 12 }));
  const labels: string[] = [];
  points.forEach((p, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const onFront = front.includes(p);
    const cx = px(x, p.latencyMs);
    const cy = py(y, p.gramsCo2);
    const { low: xl, high: xh } = p.c.latencyMs;
    const { low: yl, high: yh } = p.c.gramsCo2PerInference;
    if (xl !== null && xh !== null) body.push(whisker(x, xl, xh, (v) => px(x, v), (a, b, ca, cb) => `<line data-whisker="latency" x1="${a}" y1="${cy}" x2="${b}" y2="${cy}" stroke="${colour}" opacity="0.6"/>${ca ? `<line x1="${a}" y1="${cy - 3}" x2="${a}" y2="${cy + 3}" stroke="${colour}"/>` : ''}${cb ? `<line x1="${b}" y1="${cy - 3}" x2="${b}" y2="${cy + 3}" stroke="${colour}"/>` : ''}`));
    if (yl !== null && yh !== null) body.push(whisker(y, yl, yh, (v) => py(y, v), (a, b, ca, cb) => `<line data-whisker="grams" x1="${cx}" y1="${a}" x2="${cx}" y2="${b}" stroke="${colour}" opacity="0.6"/>${ca ? `<line x1="${cx - 3}" y1="${a}" x2="${cx + 3}" y2="${a}" stroke="${colour}"/>` : ''}${cb ? `<line x1="${cx - 3}" y1="${b}" x2="${cx + 3}" y2="${b}" stroke="${colour}"/>` : ''}`));
    body.push(`<circle data-point="${esc(p.c.label)}" cx="${cx}" cy="${cy}" r="${onFront ? 6 : 4.5}" fill="${colour}" stroke="${onFront ? '#000' : 'none'}"><title>${esc(`${p.c.label}: ${p.latencyMs.toFixed(1)} ms, ${sig(p.gramsCo2 / unit.factor)} ${unit.symbol}CO2`)}</title></circle>`);
    const at = placeLabel(p.c.label, cx, cy, taken);
    labels.push(`<text data-label="${esc(p.c.label)}" x="${at.x}" y="${at.y}" font-size="10" text-anchor="${at.anchor}" fill="${colour}">${esc(p.c.label)}</text>`);
  });
  body.push(...labels);
  return svg('pareto', 'latency vs gCO2 per inference with the Pareto front', body.join(''));
}

/**
 * gCO2 per inference (left axis, green circles) and latency (right axis, drawn, blue squares)
 * against the carbon weight wC of the sweep points. Consecutive points that share a placement run
 * the same work: a flat bar at their mean joins them (their differences are noise), no trend line.
 */
export function sweepPlot(configs: readonly ConfigurationResult[]): string {
  const points = configs.filter((c) => c.carbonWeight !== undefined && Number.isFinite(c.gramsCo2PerInference.mean)).sort((a, b) => a.carbonWeight! - b.carbonWeight!);
  if (points.length === 0) return '<p class="muted">No weight sweep in this scenario.</p>';
  const x: Scale = { kind: 'linear', min: 0, max: 1 };
  const y = fitScale(points.map((p) => p.gramsCo2PerInference.mean));
  const yl = fitScale(points.map((p) => p.latencyMs.mean));
  const unit = massUnit(points.map((p) => p.gramsCo2PerInference.mean));
  const body = [frame(x, y, 'carbon weight wC (rest: latency/energy in Performance proportions)', `gCO2 per inference, ${unit.symbol} (green circles)`, sig, (v) => sig(v / unit.factor))];
  // The right axis, drawn: latency.
  const right = W - M.right;
  body.push(`<line data-axis="latency" x1="${right}" y1="${M.top}" x2="${right}" y2="${H - M.bottom}" stroke="#1565c0"/>`);
  for (const v of ticks(yl)) body.push(`<text x="${right + 6}" y="${py(yl, v) + 4}" font-size="11" fill="#1565c0">${esc(sig(v))}</text>`);
  const cy = (M.top + H - M.bottom) / 2;
  body.push(`<text x="${W - 12}" y="${cy}" font-size="12" text-anchor="middle" fill="#1565c0" transform="rotate(90 ${W - 12} ${cy})">latency per inference, ms (blue squares${yl.kind === 'log' ? ', log scale' : ''})</text>`);
  const groups: ConfigurationResult[][] = [];
  for (const p of points) {
    const last = groups[groups.length - 1];
    if (last && last[0]!.placement === p.placement && p.placement !== '') last.push(p);
    else groups.push([p]);
  }
  for (const g of groups) {
    if (g.length < 2) continue;
    const x1 = px(x, g[0]!.carbonWeight!);
    const x2 = px(x, g[g.length - 1]!.carbonWeight!);
    const mg = g.reduce((a, p) => a + p.gramsCo2PerInference.mean, 0) / g.length;
    const ml = g.reduce((a, p) => a + p.latencyMs.mean, 0) / g.length;
    body.push(`<line data-series="same-placement" x1="${x1}" y1="${py(y, mg)}" x2="${x2}" y2="${py(y, mg)}" stroke="#2e7d32" stroke-width="6" stroke-opacity="0.25" stroke-linecap="round"><title>${esc(`same placement: ${g[0]!.placement}`)}</title></line>`);
    body.push(`<line x1="${x1}" y1="${py(yl, ml)}" x2="${x2}" y2="${py(yl, ml)}" stroke="#1565c0" stroke-width="6" stroke-opacity="0.2" stroke-linecap="round"/>`);
  }
  body.push('<g data-series="grams">');
  for (const p of points) body.push(`<circle cx="${px(x, p.carbonWeight!)}" cy="${py(y, p.gramsCo2PerInference.mean)}" r="4.5" fill="#2e7d32"><title>${esc(`${p.label}: ${sig(p.gramsCo2PerInference.mean / unit.factor)} ${unit.symbol}CO2, ${p.placement}`)}</title></circle>`);
  body.push('</g><g data-series="latency">');
  for (const p of points) body.push(`<rect x="${px(x, p.carbonWeight!) - 4}" y="${py(yl, p.latencyMs.mean) - 4}" width="8" height="8" fill="#1565c0"><title>${esc(`${p.label}: ${p.latencyMs.mean.toFixed(1)} ms`)}</title></rect>`);
  body.push('</g>');
  return svg('sweep', 'weight sweep', body.join(''));
}

/** Fill for an intensity: green <= 100, amber 400, red >= 700 gCO2/kWh (as the swarm picture). */
export function intensityFill(gramsCo2PerKwh: number): string {
  if (!Number.isFinite(gramsCo2PerKwh)) return '#9e9e9e';
  const stops: [number, number[]][] = [[100, [46, 125, 50]], [400, [249, 168, 37]], [700, [198, 40, 40]]];
  const v = clamp(gramsCo2PerKwh, 100, 700);
  const k = v <= 400 ? 0 : 1;
  const t = (v - stops[k]![0]) / (stops[k + 1]![0] - stops[k]![0]);
  return `#${stops[k]![1].map((c, i) => Math.round(c + t * (stops[k + 1]![1][i]! - c)).toString(16).padStart(2, '0')).join('')}`;
}

/** `configured` for a hand-set intensity (its zone is a placeholder), else the source and zone. */
export function intensityLabel(source: string): string {
  return /^configured\b/.test(source) ? 'configured' : source;
}

/**
 * Stacked horizontal bars: share of busy time per node, per configuration. Each node's colour is its
 * grid intensity relative to the scenario's nodes (cleanest green, most carbon-intensive red); white gaps separate nodes and each segment
 * wide enough carries its node's name, so nodes of equal intensity stay apart.
 */
export function usagePlot(configs: readonly ConfigurationResult[], nodes: readonly { readonly name: string; readonly gramsCo2PerKwh: number }[]): string {
  const rowH = 24;
  const left = 190;
  const width = W - left - 20;
  const legendRows = Math.ceil(nodes.reduce((a, n) => a + 30 + (n.name.length + 14) * 6.6, 0) / (W - left - 10)) + 1;
  const height = M.top + configs.length * rowH + 30 + legendRows * 18;
  const body: string[] = [];
  // Relative to this scenario: its cleanest node green, its most carbon-intensive red (equal: absolute).
  const gs = nodes.map((n) => n.gramsCo2PerKwh).filter(Number.isFinite);
  const lo = Math.min(...gs);
  const hi = Math.max(...gs);
  const fill = (g: number) => intensityFill(hi > lo ? 100 + ((g - lo) / (hi - lo)) * 600 : g);
  configs.forEach((c, i) => {
    let x0 = left;
    const y = M.top + i * rowH;
    body.push(`<text x="${left - 6}" y="${y + 16}" font-size="11" text-anchor="end">${esc(c.label)}</text>`);
    for (const n of nodes) {
      const share = c.nodeUsage[n.name] ?? 0;
      if (share <= 0) continue;
      const w = share * width;
      body.push(`<rect data-bar="${esc(`${c.label}:${n.name}`)}" x="${x0}" y="${y + 3}" width="${w}" height="${rowH - 6}" fill="${fill(n.gramsCo2PerKwh)}" stroke="#fff" stroke-width="1.5"><title>${esc(`${n.name} (${sig(n.gramsCo2PerKwh)} gCO2/kWh): ${(share * 100).toFixed(1)}%`)}</title></rect>`);
      if (w > n.name.length * 6.2 + 8) body.push(`<text x="${x0 + 4}" y="${y + 16}" font-size="10" fill="#fff">${esc(n.name)}</text>`);
      x0 += w;
    }
  });
  // Legend entries flow left to right, each as wide as its text, wrapping at the plot's width.
  let lx = left;
  let yy = M.top + configs.length * rowH + 16;
  for (const n of nodes) {
    const text = `${n.name} (${sig(n.gramsCo2PerKwh)} g/kWh)`;
    const w = 14 + text.length * 6.6 + 16;
    if (lx + w > W - 10 && lx > left) {
      lx = left;
      yy += 18;
    }
    body.push(`<rect x="${lx}" y="${yy}" width="10" height="10" fill="${fill(n.gramsCo2PerKwh)}"/><text x="${lx + 14}" y="${yy + 9}" font-size="11">${esc(text)}</text>`);
    lx += w;
  }
  return svg('usage', 'node usage', body.join(''), height);
}

/**
 * The carbon headline, honest about direction and noise: the lowest-carbon configuration of all;
 * ours (planner, split, sweep) best against the monolithic reference and paper-green, saying
 * `more` when it emitted more, `same placement` when it ran the same work, and `not clearly
 * different` when the 95% intervals overlap.
 */
export function carbonHeadline(r: ExperimentResults): string[] {
  const ok = r.configurations.filter((c) => Number.isFinite(c.gramsCo2PerInference.mean));
  if (ok.length === 0) return [];
  const g = (c: ConfigurationResult) => c.gramsCo2PerInference;
  const lowest = [...ok].sort((a, b) => g(a).mean - g(b).mean)[0]!;
  const ours = ok.filter((c) => c.kind === 'planner' || c.kind === 'split' || c.kind === 'sweep').sort((a, b) => g(a).mean - g(b).mean)[0];
  const vs = (a: ConfigurationResult, b: ConfigurationResult): string => {
    if (a.placement !== '' && a.placement === b.placement) return `same placement as ${b.label}: the same work (differences are run-to-run noise)`;
    const change = 1 - g(a).mean / g(b).mean;
    const overlap = g(a).low !== null && g(a).high !== null && g(b).low !== null && g(b).high !== null && g(a).low! <= g(b).high! && g(b).low! <= g(a).high!;
    return `${(Math.abs(change) * 100).toFixed(1)}% ${change >= 0 ? 'less' : 'more'} carbon than ${b.label}${overlap ? ' (95% intervals overlap: not clearly different)' : ''}`;
  };
  const unit = massUnit(ok.map((c) => g(c).mean));
  const lines = [`lowest-carbon configuration: ${lowest.label} (${sig(g(lowest).mean / unit.factor)} ${unit.symbol}CO2 per inference)`];
  const mono = ok.find((c) => c.label === r.monolithic);
  const green = ok.find((c) => c.label === 'paper-green');
  if (ours && ours !== lowest) lines.push(`our best: ${ours.label}${mono ? `, ${vs(ours, mono)}` : ''}`);
  else if (ours && mono && ours !== mono) lines.push(`${ours.label}: ${vs(ours, mono)}`);
  if (ours && green) lines.push(`${ours.label} vs paper-green: ${vs(ours, green)}`);
  lines.push(...budgetVerdicts(r.configurations), ...replicaVerdicts(r.configurations));
  return lines;
}

/** The whole report as one HTML document. */
export function renderReport(r: ExperimentResults): string {
  const names = r.nodes.map((n) => n.name);
  const unit = massUnit(r.configurations.map((c) => c.gramsCo2PerInference.mean));
  const grams = (e: ConfigurationResult['gramsCo2PerInference']) =>
    e.low === null || e.high === null ? sig(e.mean / unit.factor) : `${sig(e.mean / unit.factor)} \u00b1${sig((e.high - e.low) / 2 / unit.factor)}`;
  const rowsII = r.configurations
    .map((c) => `<tr><td>${esc(c.label)}</td><td>${formatEstimate(c.latencyMs, 1)}</td><td>${formatEstimate(c.throughputPerSecond, 2)}</td><td>${formatEstimate(c.energyJoulesPerInference, 3)}</td><td>${grams(c.gramsCo2PerInference)}</td><td>${formatEstimate(c.inferencesPerGramCo2, 0)}</td><td>${c.label === r.monolithic ? '(reference)' : formatChange(c.reductionVsMonolithic)}</td><td>${c.planningMsPerRequest.mean.toFixed(3)}</td><td>${c.predicted ? `${c.predicted.latencyMs.toFixed(1)} ms, ${sig(c.predicted.gramsCo2 / unit.factor)} ${unit.symbol}` : '-'}</td></tr>`)
    .join('');
  const rowsV = r.configurations
    .map((c) => `<tr><td>${esc(c.label)}</td>${names.map((n) => `<td>${c.nodeUsage[n] ? `${(c.nodeUsage[n]! * 100).toFixed(0)}%` : '-'}</td>`).join('')}<td><code>${esc(c.placement)}</code></td></tr>`)
    .join('');
  const nodes = r.nodes
    .map((n) => `<tr><td>${esc(n.name)}</td><td>${n.slowdown.toFixed(2)}</td><td>${(n.flopsPerSecond / 1e9).toFixed(2)}</td><td>${n.gramsCo2PerKwh} (${esc(intensityLabel(n.intensitySource))})</td><td>${n.planNode ? `${n.planNode.power.idleWatts.toFixed(2)}-${n.planNode.power.maxWatts.toFixed(2)} W` : '-'} (${esc(n.powerLabel)})</td></tr>`)
    .join('');
  const headline = carbonHeadline(r);
  // Every prediction next to what was then measured: before any execution, and after the warm-up.
  const err = (predicted: number | undefined, measured: number) => (predicted === undefined || !(measured > 0) ? '-' : `${predicted / measured - 1 >= 0 ? '+' : ''}${((predicted / measured - 1) * 100).toFixed(1)}%`);
  const rowsP = r.configurations
    .filter((c) => c.predicted)
    .map((c) => {
      const before = c.predicted!;
      const after = c.predictedCalibrated;
      const cell = (x: number | undefined, digits: number) => (x === undefined ? '-' : x.toFixed(digits));
      return `<tr data-configuration="${esc(c.label)}"><td>${esc(c.label)}</td><td>${cell(before.latencyMs, 1)}</td><td>${cell(after?.latencyMs, 1)}</td><td>${c.latencyMs.mean.toFixed(1)}</td><td>${err(before.latencyMs, c.latencyMs.mean)}</td><td data-error="latency-after">${err(after?.latencyMs, c.latencyMs.mean)}</td>`
        + `<td>${cell(before.throughputPerSecond, 2)}</td><td>${cell(after?.throughputPerSecond, 2)}</td><td>${c.throughputPerSecond.mean.toFixed(2)}</td><td>${err(before.throughputPerSecond, c.throughputPerSecond.mean)}</td><td data-error="throughput-after">${err(after?.throughputPerSecond, c.throughputPerSecond.mean)}</td></tr>`;
    })
    .join('');
  const predictions = rowsP
    ? `<h2>Predicted vs measured</h2><p class="muted">The planner's figures for each configuration's placement before any execution, and again after the warm-up calibrated the cost model (browser runs), against the run's means; latency at the run's requests in flight. Error = predicted / measured - 1.</p>
<table data-section="predictions"><tr><th>configuration</th><th>latency predicted ms</th><th>after warm-up</th><th>measured</th><th>error</th><th>error after warm-up</th><th>req/s predicted</th><th>after warm-up</th><th>measured</th><th>error</th><th>error after warm-up</th></tr>${rowsP}</table>`
    : '';
  // Per slice (the first repetition's, as results.json keeps them): before any execution, after the
  // warm-up, and the run's median wall; then the slices together, which on a shared host hold better
  // than each one (docs/decisions.md, "Checked per thread").
  const rowsS = r.configurations
    .filter((c) => c.slicePredictions?.length)
    .map((c) => {
      const slices = c.slicePredictions!;
      const all = slicesTogether(slices);
      const line = (attrs: string, cells: readonly string[]) => `<tr ${attrs}>${cells.map((x) => `<td>${x}</td>`).join('')}</tr>`;
      return slices
        .map((s) => line(`data-configuration="${esc(c.label)}" data-slice="${esc(s.slice)}"`, [esc(c.label), esc(s.node), esc(s.slice), s.basePredictedMs.toFixed(1), s.calibratedMs.toFixed(1), `${s.measuredMs.toFixed(1)}${s.executions !== undefined ? ` (${s.executions})` : ''}`, err(s.basePredictedMs, s.measuredMs), err(s.calibratedMs, s.measuredMs)]))
        .concat(slices.length > 1 ? [line(`data-configuration="${esc(c.label)}" data-slice="all"`, [esc(c.label), '', 'all slices together', all.basePredictedMs.toFixed(1), all.calibratedMs.toFixed(1), all.measuredMs.toFixed(1), err(all.basePredictedMs, all.measuredMs), err(all.calibratedMs, all.measuredMs)])] : [])
        .join('');
    })
    .join('');
  const perSlice = rowsS
    ? `<h2>Predicted vs measured, per slice</h2><p class="muted">Each slice's wall ms per execution as predicted before any execution (the node's measured cost model) and after the warm-up (calibrated), against the median wall of the run's executions of it (their number in brackets); first repetition. On nodes that share a machine the load moves between the slices during a run, so their sum holds better than each.</p>
<table data-section="slice-predictions"><tr><th>configuration</th><th>node</th><th>slice</th><th>predicted ms</th><th>after warm-up</th><th>measured</th><th>error</th><th>error after warm-up</th></tr>${rowsS}</table>`
    : '';
  const rowsA = r.configurations
    .filter((c) => c.audits)
    .map((c) => `<tr data-configuration="${esc(c.label)}"><td>${esc(c.label)}</td><td>${c.audits!.requestsAudited}</td><td>${c.audits!.slicesJudged}</td><td>${c.audits!.mismatches}</td><td>${c.audits!.quarantined.length ? esc(c.audits!.quarantined.join(', ')) : 'none'}</td><td>${c.audits!.refereeMs.toFixed(0)}</td></tr>`)
    .join('');
  const audits = rowsA
    ? `<h2>Audits</h2><p class="muted">A share of requests re-run slice by slice on the coordinator's own worker and compared with what the nodes sent (all repetitions together). The referee runs on the coordinator's machine; its energy is in the grams above (ledger node "coordinator", power and grid estimated from its browser).</p>
<table data-section="audits"><tr><th>configuration</th><th>requests audited</th><th>slices compared</th><th>mismatches</th><th>quarantined</th><th>referee compute ms</th></tr>${rowsA}</table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CarbonEdge lab: ${esc(r.scenario)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:20px auto;color:#1b2a1f;padding:0 12px}table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #dde5dd;text-align:left}.muted{color:#666}.plots{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{font-size:13px;color:#444;max-width:${W}px}code{font-size:12px}</style></head>
<body>
<h1>CarbonEdge lab: ${esc(r.scenario)}</h1>
<p>${r.method === 'browsers' ? 'Measured with real slices in headless Chromium pages over WebRTC' : 'Simulated with the planner\u2019s model of each node (no browsers)'}; model <b>${esc(r.model)}</b>, ${r.inferences} inferences x ${r.repetitions} repetitions; started ${esc(r.startedAt)}, took ${(r.durationMs / 1000).toFixed(0)} s. Intervals are 95% (Student t over repetitions).</p>
<p><b>Power figures are estimates</b> (configured per node, not metered), so energy and gCO2 are estimates too; intensities are as configured.</p>
${headline.length ? `<ul data-section="headline">${headline.map((h) => `<li>${esc(h)}</li>`).join('')}</ul>` : ''}
<h2>Nodes</h2><table><tr><th>node</th><th>slowdown</th><th>measured GFLOP/s</th><th>gCO2/kWh</th><th>power</th></tr>${nodes}</table>
<h2>Results (Table II shape)</h2>
<table><tr><th>configuration</th><th>latency ms</th><th>req/s</th><th>J/inference</th><th>gCO2/inference (${unit.symbol})</th><th>inferences/gCO2</th><th>vs monolithic</th><th>planning ms/request</th><th>planner predicted</th></tr>${rowsII}</table>
${predictions}
${perSlice}
${audits}
<h2>Node usage (Table V shape, share of busy time)</h2>
<table><tr><th>configuration</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>placement</th></tr>${rowsV}</table>
<div class="plots">
<figure>${scatterPlot(r.configurations)}<figcaption>Latency vs gCO2 per inference. Bars: 95% intervals, cut at the plot edge (axes fit the means). Dashed line and outlined points: the Pareto front. An axis is logarithmic when its values span a decade or more.</figcaption></figure>
<figure>${sweepPlot(r.configurations)}<figcaption>Weight sweep of our planner: gCO2 (green circles, left axis) and latency (blue squares, right axis) against wC. A pale bar joins sweep points that share a placement: the same work, so their differences are noise, not a trend.</figcaption></figure>
<figure>${usagePlot(r.configurations, r.nodes)}<figcaption>Node usage: share of busy time per node; colour = the node's grid intensity (green clean, amber, red carbon-intensive).</figcaption></figure>
</div>
<h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<p class="muted">Environment: ${esc(Object.entries(r.environment).map(([k, v]) => `${k} ${v}`).join(', '))}. Raw rows: results.json, requests.csv, ledger.csv (every ledger provenance field).</p>
</body></html>
`;
}
