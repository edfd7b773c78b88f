import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatJoules, formatShare } from './format';
import { doingNow, roomComparison, sliceExplanation, spentLine, type NodeContribution } from './node-contribution';

/**
 * The node page's main panel for a student's phone (issue 14): what this device is doing now (slice
 * k of model M), what it ran and spent (slice runs, J, gCO2), its share of the room's work, a
 * two-line explanation of a slice, and how it compares with the others of the room. One column,
 * no fixed widths, wraps long names: fits a 390 px wide screen without horizontal scrolling.
 * Displays what it is given (node-contribution.ts writes the sentences).
 */
@customElement('ce-node-contribution')
export class CeNodeContribution extends LitElement {
  static override styles = css`
    :host { display: block; max-width: 100%; box-sizing: border-box; font-family: system-ui, sans-serif; color: #1b2a1f; overflow-wrap: anywhere; }
    .now { font-size: 1.35rem; font-weight: 600; margin: 4px 0 10px; }
    .figures { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
    .figures div { background: #f1f8f2; border-radius: 10px; padding: 8px 10px; min-width: 0; }
    .figures b { display: block; font-size: 1.5rem; line-height: 1.2; }
    .figures span { font-size: 0.85rem; color: #445; }
    .share { height: 10px; background: #dfe8e0; border-radius: 5px; overflow: hidden; margin: 10px 0 4px; }
    .share i { display: block; height: 100%; background: #2e7d32; }
    p { margin: 8px 0; font-size: 0.95rem; line-height: 1.4; }
    .explain { color: #37474f; }
  `;

  /** What the device holds, ran and spent, and the room around it. */
  @property({ attribute: false }) contribution: NodeContribution = { model: null, slices: [], slicesRun: 0, energyJoules: 0, gramsCo2: 0, room: [] };

  override render() {
    const c = this.contribution;
    const self = c.room.find((p) => p.self);
    const share = self?.workShare ?? 0;
    const [line1, line2] = sliceExplanation(c);
    return html`
      <div class="now" data-testid="contribution-now">${doingNow(c)}</div>
      <div class="figures">
        <div><b data-testid="contribution-runs">${c.slicesRun}</b><span>slice runs</span></div>
        ${self
          ? html`<div><b data-testid="contribution-share">${formatShare(share)}</b><span>of the room's work</span></div>`
          : html`<div><b data-testid="contribution-energy">${formatJoules(c.energyJoules)}</b><span>energy spent</span></div>`}
      </div>
      ${self ? html`<div class="share" aria-hidden="true"><i style="width:${Math.min(100, Math.max(0, share * 100))}%"></i></div>` : ''}
      <p data-testid="contribution-spent">${spentLine(c)}</p>
      ${roomComparison(c).map((t) => html`<p data-testid="contribution-compare">${t}</p>`)}
      <p class="explain">${line1}</p>
      <p class="explain">${line2}</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-node-contribution': CeNodeContribution;
  }
}
