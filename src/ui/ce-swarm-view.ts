import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Placement } from '../plan/plan-types';
import { formatBytesPerSecond, formatGramsCo2, formatShare, formatSignificant } from './format';
import { eventOpacity, intensityColour, layoutSwarm, type PresenterFigures, type SwarmEventView, type SwarmNodeView, type SwarmStreamView } from './swarm-layout';

export type { PresenterFigures } from './swarm-layout';


const PIPELINE_COLOURS = ['#1565c0', '#6a1b9a', '#00838f', '#ef6c00', '#5d4037', '#ad1457'];

/**
 * The live picture of the room (issue 14, "See the swarm"), for a projector: the coordinator at the
 * left, each node as a card (name, device kind, grid zone filled by its intensity, busy share), the
 * plan's pipelines as paths through the nodes with the slice each runs, tensor streams labelled with
 * their rates, and a fading line per event (joins, leaves, re-plans, quarantines). Above it a
 * presenter strip with big numbers. Displays what it is given; layout in swarm-layout.ts.
 */
@customElement('ce-swarm-view')
export class CeSwarmView extends LitElement {
  static override styles = css`
    :host { display: block; font-family: system-ui, sans-serif; color: #1b2a1f; }
    .strip { display: flex; flex-wrap: wrap; gap: 12px 36px; padding: 10px 16px; background: #f1f8f2; border-radius: 10px; margin-bottom: 8px; }
    .strip div { display: flex; flex-direction: column; }
    .strip b { font-size: clamp(1.8rem, 4vw, 3.2rem); line-height: 1.1; }
    .strip span { font-size: 1rem; color: #445; }
    svg { width: 100%; height: auto; display: block; }
    .events { list-style: none; padding: 0; margin: 6px 0 0; font-size: 1.05rem; }
    .events li { padding: 2px 0; }
    .legend { font-size: 0.9rem; color: #555; }
  `;

  /** Every node of the room (gone nodes are left out of the picture). */
  @property({ attribute: false }) nodes: readonly SwarmNodeView[] = [];
  /** The placement in force, or null before the first plan. */
  @property({ attribute: false }) placement: Placement | null = null;
  /** Measured tensor streams between endpoints (`coordinator` or node ids). */
  @property({ attribute: false }) streams: readonly SwarmStreamView[] = [];
  /** Events, oldest first; the last 6 are shown, fading with age. */
  @property({ attribute: false }) events: readonly SwarmEventView[] = [];
  /** The time events are aged against (same clock as their `atMs`). */
  @property({ type: Number }) nowMs = 0;
  /** The presenter strip; hidden when absent. */
  @property({ attribute: false }) presenter: PresenterFigures | null = null;

  private renderStrip() {
    const p = this.presenter;
    if (!p) return '';
    return html`<div class="strip" data-testid="presenter">
      <div><b data-testid="presenter-inferences">${p.inferencesDone}${p.inferencesTotal ? html` / ${p.inferencesTotal}` : ''}</b><span>inferences done</span></div>
      <div><b data-testid="presenter-grams">${formatGramsCo2(p.gramsCo2SoFar)}</b><span>emitted so far</span></div>
      <div><b data-testid="presenter-saved">${p.gramsCo2Saved === null ? '-' : formatGramsCo2(Math.abs(p.gramsCo2Saved))}</b>
        <span>${p.gramsCo2Saved !== null && p.gramsCo2Saved < 0 ? 'more than' : 'saved vs'} ${p.savedAgainst}</span></div>
    </div>`;
  }

  override render() {
    const layout = layoutSwarm(this.nodes, this.placement, this.streams);
    const { width, height, coordinator } = layout;
    const recent = this.events.slice(-6).reverse();
    return html`${this.renderStrip()}
      <svg viewBox="0 0 ${width} ${height}" role="img" aria-label="the swarm: nodes, pipelines and tensor streams" data-testid="swarm-picture">
        <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"></path></marker></defs>
        ${layout.paths.map((p) => svg`<polyline data-testid="swarm-path" data-pipeline=${String(p.pipeline)} fill="none"
          stroke=${PIPELINE_COLOURS[p.pipeline % PIPELINE_COLOURS.length]!} stroke-opacity="0.55" stroke-width=${String(4 + 10 * p.share)}
          stroke-linejoin="round" points=${p.points.map((q) => `${q.x},${q.y}`).join(' ')}></polyline>`)}
        ${layout.hops.filter((h) => h.bytesPerSecond !== null).map((h) => svg`<g data-testid="swarm-stream" data-from=${h.fromId} data-to=${h.toId}>
          <line x1=${h.x1} y1=${h.y1} x2=${h.x2} y2=${h.y2} stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"></line>
          <text x=${(h.x1 + h.x2) / 2} y=${h.toId === 'coordinator' && h.y1 === h.y2 && h.x2 < h.x1 ? h.y1 + 30 : (h.y1 + h.y2) / 2 - 12} font-size="19" text-anchor="middle" fill="#222">${formatBytesPerSecond(h.bytesPerSecond!)}</text></g>`)}
        <g data-testid="swarm-coordinator">
          <rect x=${coordinator.x - 70} y=${coordinator.y - 34} width="140" height="68" rx="10" fill="#263238"></rect>
          <text x=${coordinator.x} y=${coordinator.y + 7} font-size="20" text-anchor="middle" fill="#fff">coordinator</text>
        </g>
        ${layout.nodes.map((n) => {
          const quarantined = n.state === 'quarantined';
          return svg`<g data-testid="swarm-node" data-node-id=${n.nodeId} data-state=${n.state} data-column=${String(n.column)}>
            <rect x=${n.x - 115} y=${n.y - 52} width="230" height="104" rx="12" fill="#fff"
              stroke=${quarantined ? '#c62828' : '#37474f'} stroke-width=${quarantined ? 4 : 2} stroke-dasharray=${quarantined ? '8 5' : 'none'}></rect>
            <rect x=${n.x - 115} y=${n.y - 52} width="14" height="104" rx="6" fill=${intensityColour(n.gramsCo2PerKwh)}><title>${n.intensityConfigured ? 'configured' : n.intensityZone} ${formatSignificant(n.gramsCo2PerKwh)} gCO2/kWh</title></rect>
            <text x=${n.x - 92} y=${n.y - 22} font-size="22" font-weight="600">${n.name.length > 16 ? `${n.name.slice(0, 15)}\u2026` : n.name}<title>${n.name}</title></text>
            <text x=${n.x - 92} y=${n.y + 4} font-size="17" fill="#333">${n.intensityConfigured ? 'configured' : n.intensityZone} ${formatSignificant(n.gramsCo2PerKwh)} g/kWh</text>
            <text x=${n.x - 92} y=${n.y + 28} font-size="17" fill="#333">${n.deviceClass}${n.simulated ? ' (sim)' : ''} \u00b7 ${quarantined ? 'quarantined' : n.state === 'ready' ? `busy ${formatShare(n.busyShare)}` : n.state}</text>
            <rect x=${n.x - 92} y=${n.y + 36} width="190" height="6" fill="#e0e0e0"></rect>
            <rect x=${n.x - 92} y=${n.y + 36} width=${190 * Math.min(1, Math.max(0, n.busyShare))} height="6" fill="#37474f"></rect>
            ${n.slices.slice(0, 2).map((s, i) => svg`<text data-testid="swarm-slice" x=${n.x} y=${n.y - 60 - 22 * i} font-size="18" text-anchor="middle" fill="#1565c0">${s}</text>`)}
          </g>`;
        })}
      </svg>
      <div class="legend">Colour strip: grid intensity (green 100, amber 400, red 700+ gCO2/kWh). Path width: share of requests. Slice ranges are positions in the model's graph, not devices.</div>
      <ul class="events" data-testid="swarm-events">
        ${recent.map((e) => html`<li data-testid="swarm-event" data-kind=${e.kind} style="opacity:${eventOpacity(this.nowMs - e.atMs)}">${e.text}</li>`)}
      </ul>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-swarm-view': CeSwarmView;
  }
}
