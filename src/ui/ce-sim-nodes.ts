import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { bundledReading } from '../carbon/bundled-intensity';
import { estimatedPowerModel } from '../carbon/power-model';
import type { JoinToken, RoomId } from '../protocol/ids';
import { MemorySliceStore } from '../swarm/slice-store';
import { startNodeSession, type NodeSession } from './node-session';

interface SimNode {
  readonly name: string;
  readonly session: NodeSession;
}

/**
 * Simulated local nodes: edge nodes that run inside this tab (each with its own runtime worker,
 * duty-cycled to a configured slowdown, with its own grid zone and an estimated laptop power
 * model). They join the room like real nodes and are labelled simulated everywhere.
 */
@customElement('ce-sim-nodes')
export class CeSimNodes extends LitElement {
  static override styles = css`
    form { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; }
    label { display: flex; flex-direction: column; font-size: 0.85rem; }
    .error { color: #b71c1c; }
  `;

  @property({ attribute: false }) room: RoomId | undefined;
  @property({ attribute: false }) token: JoinToken | undefined;
  @state() private slowdown = 2;
  @state() private zone = 'FR';
  @state() private nodes: SimNode[] = [];
  @state() private error = '';
  @state() private starting = false;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const n of this.nodes) n.session.stop('coordinator closed');
  }

  private async add(event: Event): Promise<void> {
    event.preventDefault();
    if (!this.room || !this.token) return;
    this.error = '';
    const slowdown = this.slowdown;
    const zone = this.zone.trim().toUpperCase();
    let intensity;
    try {
      if (!(slowdown >= 1 && slowdown <= 100)) throw new RangeError(`slowdown must be between 1 and 100, got ${slowdown}`);
      intensity = bundledReading(zone);
    } catch (error) {
      this.error = (error as Error).message;
      return;
    }
    const name = `sim-${zone}-x${slowdown}-${this.nodes.length + 1}`;
    this.starting = true;
    try {
      const power = estimatedPowerModel({ deviceClass: 'laptop' });
      const session = await startNodeSession({
        room: this.room,
        token: this.token,
        identity: { name, deviceClass: 'laptop', hardwareConcurrency: navigator.hardwareConcurrency || 1, deviceMemoryGb: null, webgpu: false, simulated: true },
        store: new MemorySliceStore(),
        slowdown,
        // Simulated nodes share this tab's cores with the coordinator: one WASM thread each.
        numThreads: 1,
        profile: () => ({ intensity, power, slowdown }),
      });
      this.nodes = [...this.nodes, { name, session }];
    } catch (error) {
      this.error = `could not start a simulated node: ${(error as Error).message}`;
    } finally {
      this.starting = false;
    }
  }

  private removeNode(node: SimNode): void {
    node.session.stop('removed');
    this.nodes = this.nodes.filter((n) => n !== node);
  }

  override render() {
    return html`
      <form @submit=${(e: Event) => this.add(e)}>
        <label>slowdown (x) <input data-testid="sim-slowdown" type="number" min="1" max="100" step="0.5" .value=${String(this.slowdown)} @change=${(e: Event) => (this.slowdown = Number((e.target as HTMLInputElement).value))} /></label>
        <label>grid zone <input data-testid="sim-zone" .value=${this.zone} size="6" @change=${(e: Event) => (this.zone = (e.target as HTMLInputElement).value)} /></label>
        <button data-testid="sim-add" type="submit" ?disabled=${this.starting || !this.room}>Add simulated node</button>
      </form>
      ${this.error ? html`<div class="error" role="alert" data-testid="sim-error">${this.error}</div>` : ''}
      <ul>
        ${this.nodes.map((n) => html`<li>${n.name} (simulated) <button @click=${() => this.removeNode(n)}>remove</button></li>`)}
      </ul>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-sim-nodes': CeSimNodes;
  }
}
