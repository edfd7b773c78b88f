import { LitElement, css, html } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import QRCode from 'qrcode';
import { coordinatorPeerId, newJoinToken, newRoomId, parseJoinToken, parseRoomId, type JoinToken, type RoomId } from '../protocol/ids';
import { openPeerTransport } from '../mesh/peerjs-transport';
import { PeerIdTakenError, type Transport } from '../mesh/transport';
import { Coordinator, type NodeRecord } from '../swarm/coordinator';
import { coordinatorKeyFor, fetchHosts, fetchMachineCpu, loadAppConfig, signalingFor } from './app-config';
import { installLabHooks } from './lab-hooks';
import { RunHistory } from '../history/history-store';
import { isPlannable } from '../swarm/plan-inputs';
import './ce-node-table';
import { LinkProber, type ProbedLink } from '../swarm/link-prober';
import type { WhatIfDetail } from './ce-node-table';
import './ce-demo-model';
import './ce-run-panel';
import type { CeRunPanel, NodeFailedDetail } from './ce-run-panel';
import './ce-sim-nodes';
import './ce-history-panel';
import type { CeHistoryPanel } from './ce-history-panel';
import './ce-compare-modes';
import type { CeCompareModes } from './ce-compare-modes';
import './ce-tenants-panel';
import { applyWhatIf, configuredCoordinator, spreadZones, whatIfForZone, type WhatIf } from './what-if';

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

/**
 * The coordinator dashboard (issue 14): during a run the swarm picture and its big numbers come
 * first (a presenter view shows only them), then the join URL and QR code, the run form and details,
 * "compare modes", the history, the node table with what-if zones, simulated nodes and the
 * monolithic demo. What-if intensities are applied to every node record the page and the run loop
 * read (what-if.ts).
 */
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
    .page { display: flex; flex-direction: column; }
    .page.running .run { order: -1; }
    .page.running .join img { width: 96px; height: 96px; }
    .page.presenter > section:not(.run) { display: none; }
    .bar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
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
  /** What-if intensities by node id (the coordinator's, for a demonstration). */
  @state() private overrides: ReadonlyMap<string, WhatIf> = new Map();
  @state() private running = false;
  /** Measured links to the nodes (src/swarm/link-prober.ts). */
  private prober: LinkProber | undefined;
  @state() private links: ReadonlyMap<string, ProbedLink> = new Map();
  /** A run started in this tab: its picture stays first, with its summary, until the tab reloads. */
  @state() private hasRun = false;
  @state() private presenter = false;
  private readonly history = new RunHistory();
  @query('ce-run-panel') private runPanel!: CeRunPanel;
  @query('ce-history-panel') private historyPanel!: CeHistoryPanel;
  @query('ce-compare-modes') private compareModes: CeCompareModes | undefined;
  /** A tenant's batch runs on the swarm (ce-tenants-panel.ts): the Run panel and compare modes wait. */
  @state() private tenantActive = false;
  /** Tenant batches wait while the Run panel or compare modes use the swarm. */
  private readonly swarmBusy = () => this.running || (this.compareModes?.running ?? false);
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
      const coordinator = new Coordinator({ transport: this.transport, room, token, key: coordinatorKeyFor(room), hostsOf: fetchHosts, hardwareConcurrency: navigator.hardwareConcurrency });
      this.coordinator = coordinator;
      coordinator.onChange(() => this.showNodes());
      coordinator.onDrop(() => (this.dropped = coordinator.droppedMessages));
      coordinator.start();
      // Measure the link to each ready node while nothing runs (link-prober.ts); plans use the figures.
      this.prober?.stop();
      // On the server's machine the page can read its CPU time, and times what moving bytes to its
      // node pages costs it (every process: link-prober.ts); elsewhere the server refuses, and plans use an estimate.
      this.prober = new LinkProber(coordinator, { busy: () => this.running || this.tenantActive || coordinator.nodes().some((n) => n.state === 'benchmarking' || (n.state === 'ready' && n.load > 0.2)), machineCpu: fetchMachineCpu });
      this.prober.onResult(() => (this.links = new Map(coordinator.nodes().flatMap((n) => { const l = this.prober?.linkOf(n.nodeId); return l ? [[n.nodeId as string, l] as const] : []; }))));
      this.prober.start();
      installLabHooks(coordinator, this.prober);
      this.coordinatorReady = configuredCoordinator(coordinator, () => this.overrides);
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

  private showNodes(): void {
    this.nodes = (this.coordinator?.nodes() ?? []).map((r) => applyWhatIf(r, this.overrides));
  }

  private setOverrides(next: ReadonlyMap<string, WhatIf>, what: string): void {
    this.overrides = next;
    this.showNodes();
    this.runPanel?.replan(`what-if grid changed: ${what}`);
    // The picture shows the room now: redraw it with the new grids even when no run is going.
    this.runPanel?.requestUpdate();
  }

  private onWhatIf(detail: WhatIfDetail): void {
    const next = new Map(this.overrides);
    if (detail.zone === null) next.delete(detail.nodeId);
    else next.set(detail.nodeId, whatIfForZone(detail.zone));
    const name = this.nodes.find((n) => n.nodeId === detail.nodeId)?.name ?? detail.nodeId;
    this.setOverrides(next, `${name} ${detail.zone === null ? 'as reported' : `configured ${detail.zone}`}`);
  }

  override render() {
    const live = this.nodes.filter((n) => n.state !== 'gone').length;
    const ready = (this.coordinator?.nodes() ?? []).filter(isPlannable).map((n) => n.nodeId);
    return html`<div class="page ${this.hasRun ? 'running' : ''} ${this.presenter ? 'presenter' : ''}">
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
      <section class="nodes">
        <h2>Nodes (${live})</h2>
        <div class="bar">What-if grids for a demonstration (labelled configured everywhere):
          <button data-testid="what-if-spread" ?disabled=${ready.length === 0} @click=${() => this.setOverrides(spreadZones(ready), 'zones spread from SE to PL')}>Spread the ready nodes over grids from clean to coal</button>
          <button data-testid="what-if-clear" ?disabled=${this.overrides.size === 0} @click=${() => this.setOverrides(new Map(), 'every node as reported')}>Back to reported grids</button>
        </div>
        <ce-node-table .nodes=${this.nodes} .failed=${this.failedNodes} .links=${this.links} @what-if=${(e: CustomEvent<WhatIfDetail>) => this.onWhatIf(e.detail)}></ce-node-table>
        ${this.dropped ? html`<div class="muted" data-testid="dropped">${this.dropped} malformed or unexpected messages refused</div>` : ''}
      </section>
      <section class="run">
        <div class="bar"><h2 style="margin:0">Run a model across the swarm</h2>
          <button data-testid="presenter-toggle" @click=${() => (this.presenter = !this.presenter)}>${this.presenter ? 'Leave presenter view' : 'Presenter view'}</button></div>
        <ce-run-panel .coordinator=${this.coordinatorReady} .history=${this.history} .links=${this.prober} ?presenter=${this.presenter} ?blocked=${this.tenantActive}
          @run-started=${() => { this.failedNodes = new Map(); this.running = true; this.hasRun = true; void this.historyPanel?.reload(); }}
          @run-finished=${() => { this.running = false; void this.historyPanel?.reload(); }}
          @history-changed=${() => void this.historyPanel?.reload()}
          @node-failed=${(e: CustomEvent<NodeFailedDetail>) => (this.failedNodes = new Map([...this.failedNodes, [e.detail.nodeId, e.detail.reason]]))}></ce-run-panel>
      </section>
      <section class="compare">
        <h2>Compare modes</h2>
        <ce-compare-modes .coordinator=${this.coordinatorReady} .history=${this.history} .links=${this.prober} ?blocked=${this.running || this.tenantActive}
          @compare-saved=${() => void this.historyPanel?.reload()}></ce-compare-modes>
      </section>
      <section class="tenants">
        <h2>Tenants (budgets between groups)</h2>
        <ce-tenants-panel .coordinator=${this.coordinator} .runCoordinator=${this.coordinatorReady} .room=${this.room} .joinUrl=${this.joinUrl}
          .links=${this.prober} .busy=${this.swarmBusy} @tenant-active=${(e: CustomEvent<boolean>) => (this.tenantActive = e.detail)}></ce-tenants-panel>
      </section>
      <section class="history">
        <h2>History</h2>
        <ce-history-panel .history=${this.history}></ce-history-panel>
      </section>
      <section>
        <h2>Simulated local nodes</h2>
        <ce-sim-nodes .room=${this.room} .token=${this.token}></ce-sim-nodes>
      </section>
      <section>
        <h2>Run the bundled model here (monolithic)</h2>
        <ce-demo-model></ce-demo-model>
      </section>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-coordinator-page': CeCoordinatorPage;
  }
}
