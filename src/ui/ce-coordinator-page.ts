import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import QRCode from 'qrcode';
import { coordinatorPeerId, newJoinToken, newRoomId, parseJoinToken, parseRoomId, type JoinToken, type RoomId } from '../protocol/ids';
import { openPeerTransport } from '../mesh/peerjs-transport';
import { PeerIdTakenError, type Transport } from '../mesh/transport';
import { Coordinator, type NodeRecord } from '../swarm/coordinator';
import { coordinatorKeyFor, loadAppConfig, signalingFor } from './app-config';
import { installLabHooks } from './lab-hooks';
import './ce-node-table';
import './ce-demo-model';
import './ce-run-panel';
import type { NodeFailedDetail } from './ce-run-panel';
import './ce-sim-nodes';

const ROOM_KEY = 'carbonedge:coordinator-room';
/** How long a reloaded tab tries to take its room's id back before opening a new room. */
const RECLAIM_FOR_MS = 30_000;

/** The room this tab coordinates: kept for the tab's life so a reload keeps the same join URL. */
function roomForThisTab(fresh: boolean): { room: RoomId; token: JoinToken } {
  if (!fresh) {
    try {
      const saved = JSON.parse(sessionStorage.getItem(ROOM_KEY) ?? 'null') as { room?: unknown; token?: unknown } | null;
      const room = parseRoomId(saved?.room);
      const token = parseJoinToken(saved?.token);
      if (room && token) return { room, token };
    } catch {
      // Corrupt storage: start a new room below.
    }
  }
  const created = { room: newRoomId(), token: newJoinToken() };
  sessionStorage.setItem(ROOM_KEY, JSON.stringify(created));
  return created;
}

/** The coordinator dashboard: room, join URL + QR code, live node table, monolithic demo run. */
@customElement('ce-coordinator-page')
export class CeCoordinatorPage extends LitElement {
  static override styles = css`
    .join { display: flex; gap: 16px; align-items: center; background: #f4f9f4; padding: 12px; border-radius: 8px; margin-bottom: 16px; }
    .join img { width: 148px; height: 148px; image-rendering: pixelated; }
    .join a { word-break: break-all; font-family: ui-monospace, monospace; }
    .error { background: #fdecea; border: 1px solid #e57373; padding: 12px; border-radius: 6px; }
    .muted { color: #666; font-size: 0.85rem; }
    section { margin-bottom: 20px; }
    h2 { font-size: 1.1rem; margin: 0 0 8px; }
  `;

  @state() private nodes: readonly NodeRecord[] = [];
  @state() private joinUrl = '';
  @state() private qrDataUrl = '';
  @state() private error = '';
  @state() private dropped = 0;
  @state() private note = '';
  @state() private room: RoomId | undefined;
  @state() private token: JoinToken | undefined;
  @state() private coordinatorReady: Coordinator | undefined;
  /** Nodes that failed in the current run (from the Run panel), marked in the table. */
  @state() private failedNodes: ReadonlyMap<string, string> = new Map();
  /** Shown while a reloaded tab waits for the room's id to be released by its previous page. */
  @state() private reclaiming = '';
  private transport: Transport | undefined;
  private coordinator: Coordinator | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.open(false);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.coordinator?.stop();
    this.transport?.stop();
  }

  private async open(fresh: boolean): Promise<void> {
    try {
      const config = await loadAppConfig();
      const { room, token } = roomForThisTab(fresh);
      // After a reload the signaling server may still hold the room's id for the page that just
      // went away: keep asking for a while (nodes are rejoining meanwhile) before making a new room.
      const deadline = Date.now() + RECLAIM_FOR_MS;
      for (;;) {
        try {
          this.transport = await openPeerTransport({ peerId: coordinatorPeerId(room), ...signalingFor(config) });
          break;
        } catch (error) {
          if (!(error instanceof PeerIdTakenError) || fresh) throw error;
          if (Date.now() > deadline) {
            this.reclaiming = '';
            this.note = `Room ${room} is still held by another tab: this tab opened a new room. Nodes of the old room must open the new join URL.`;
            return this.open(true);
          }
          this.reclaiming = `Taking room ${room} back from the previous page (its nodes rejoin by themselves)...`;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      this.reclaiming = '';
      this.transport.onError((error) => (this.error = `${error.message}. Reload the page to reconnect.`));
      const coordinator = new Coordinator({ transport: this.transport, room, token, key: coordinatorKeyFor(room) });
      this.coordinator = coordinator;
      coordinator.onChange(() => (this.nodes = coordinator.nodes()));
      coordinator.onDrop(() => (this.dropped = coordinator.droppedMessages));
      coordinator.start();
      installLabHooks(coordinator);
      this.coordinatorReady = coordinator;
      this.room = room;
      this.token = token;
      // Phones need the LAN address; this tab may be on localhost.
      const onLoopback = ['localhost', '127.0.0.1', '[::1]'].includes(location.hostname);
      const base = onLoopback && config.lanUrls[0] ? config.lanUrls[0] : location.origin;
      const url = new URL('/', base);
      url.searchParams.set('room', room);
      url.searchParams.set('token', token);
      url.searchParams.set('fp', coordinator.fingerprint);
      this.joinUrl = url.href;
      this.qrDataUrl = await QRCode.toDataURL(this.joinUrl, { margin: 1, width: 296 });
      if (!config.https && onLoopback && config.lanUrls.length > 0) {
        this.note = 'Phones joining over plain http run slices with one thread and no WebGPU; start with --https for those.';
      } else if (config.https) {
        this.note = 'HTTPS with this machine\'s own certificate: on the first visit each phone shows a certificate warning; accept it once (Advanced, then Proceed).';
      }
    } catch (error) {
      this.error = `Could not open the room: ${(error as Error).message}`;
    }
  }

  override render() {
    return html`
      ${this.error ? html`<div class="error" role="alert" data-testid="coordinator-error">${this.error}</div>` : ''}
      ${this.reclaiming ? html`<div class="muted" data-testid="coordinator-reclaiming">${this.reclaiming}</div>` : ''}
      <section class="join">
        ${this.qrDataUrl ? html`<img alt="QR code of the join URL" src=${this.qrDataUrl} data-testid="join-qr" />` : ''}
        <div>
          <div>Open this link on laptops and phones to join as edge nodes:</div>
          ${this.joinUrl
            ? html`<a href=${this.joinUrl} target="_blank" data-testid="join-url">${this.joinUrl}</a>`
            : html`<span class="muted">opening the room...</span>`}
          ${this.note ? html`<div class="muted">${this.note}</div>` : ''}
        </div>
      </section>
      <section>
        <h2>Nodes (${this.nodes.filter((n) => n.state !== 'gone').length})</h2>
        <ce-node-table .nodes=${this.nodes} .failed=${this.failedNodes}></ce-node-table>
        ${this.dropped ? html`<div class="muted" data-testid="dropped">${this.dropped} malformed or unexpected messages refused</div>` : ''}
      </section>
      <section>
        <h2>Run a model across the swarm</h2>
        <ce-run-panel .coordinator=${this.coordinatorReady}
          @run-started=${() => (this.failedNodes = new Map())}
          @node-failed=${(e: CustomEvent<NodeFailedDetail>) => (this.failedNodes = new Map([...this.failedNodes, [e.detail.nodeId, e.detail.reason]]))}></ce-run-panel>
      </section>
      <section>
        <h2>Simulated local nodes</h2>
        <ce-sim-nodes .room=${this.room} .token=${this.token}></ce-sim-nodes>
      </section>
      <section>
        <h2>Run the bundled model here (monolithic)</h2>
        <ce-demo-model></ce-demo-model>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-coordinator-page': CeCoordinatorPage;
  }
}
