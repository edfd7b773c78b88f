import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { JoinToken, RoomId } from '../protocol/ids';
import type { BenchmarkReport } from '../protocol/messages';
import { openPeerTransport } from '../mesh/peerjs-transport';
import type { Transport } from '../mesh/transport';
import { EdgeNode, type EdgeNodeState } from '../swarm/edge-node';
import { PADDLE_CLS_HEIGHT, PADDLE_CLS_INPUT, PADDLE_CLS_URL, PADDLE_CLS_WIDTH } from '../demo/paddle-cls';
import { loadAppConfig, signalingFor } from './app-config';
import { loadProfile, updateProfile, type NodeProfile } from './profile-store';
import { startRuntimeWorker, threadCount, type RuntimeClient } from './runtime-client';
import {
  applyIntensityInput,
  applyPowerInput,
  applyZoneInput,
  browserHintsFrom,
  buildNodeCarbonProfile,
  toProtocolDeviceClass,
  type BrowserHints,
  type CarbonChoices,
  type ChoiceResult,
  type NodeCarbonProfile,
} from './node-carbon-profile';
import './ce-carbon-card';
import type { CarbonEditDetail, CarbonFieldError } from './ce-carbon-card';

/** What this browser tells about the device and its time zone (read once per page). */
function readBrowserHints(): BrowserHints {
  return browserHintsFrom(navigator as Navigator & { deviceMemory?: number }, Intl.DateTimeFormat().resolvedOptions().timeZone);
}

/** A deterministic benchmark input (a smooth pattern in [-1, 1]). */
function benchmarkInput() {
  const data = new Float32Array(3 * PADDLE_CLS_HEIGHT * PADDLE_CLS_WIDTH);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.01);
  return { dtype: 'float32' as const, dims: [1, 3, PADDLE_CLS_HEIGHT, PADDLE_CLS_WIDTH], data };
}

const STATE_TEXT: Record<EdgeNodeState, string> = {
  connecting: 'connecting to the coordinator...',
  joining: 'joining the room...',
  benchmarking: 'benchmarking this device...',
  ready: 'ready: waiting for work',
  rejected: 'refused by the coordinator',
  error: 'error',
  left: 'left the room',
};

/**
 * The edge node page: joins the room, benchmarks itself in a worker, reports, heartbeats, and shows
 * and sends its carbon profile (zone, intensity, power; editable, kept in IndexedDB).
 */
@customElement('ce-node-page')
export class CeNodePage extends LitElement {
  static override styles = css`
    .card { background: #f4f9f4; padding: 12px 16px; border-radius: 8px; margin-bottom: 12px; }
    .error { background: #fdecea; border: 1px solid #e57373; padding: 12px; border-radius: 6px; }
    dt { font-weight: 600; } dd { margin: 0 0 6px; }
  `;

  @property({ attribute: false }) room!: RoomId;
  @property({ attribute: false }) token!: JoinToken;
  @state() private nodeState: EdgeNodeState = 'connecting';
  @state() private error = '';
  @state() private name = '';
  @state() private benchmark: BenchmarkReport | undefined;
  @state() private reusedBenchmark = false;
  @state() private carbonChoices: CarbonChoices = {};
  @state() private carbon: NodeCarbonProfile | undefined;
  @state() private carbonError: CarbonFieldError | undefined;
  private readonly hints = readBrowserHints();
  /** True once the first profile went to the coordinator after the welcome. */
  private profileSent = false;
  private transport: Transport | undefined;
  private node: EdgeNode | undefined;
  private runtime: RuntimeClient | undefined;
  private readonly onPageHide = () => this.node?.stop('tab closed');

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener('pagehide', this.onPageHide);
    void this.join();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('pagehide', this.onPageHide);
    this.node?.stop('page closed');
    this.transport?.stop();
    this.runtime?.terminate();
  }

  private async join(): Promise<void> {
    try {
      const loaded = await loadProfile();
      this.carbonChoices = loaded?.carbon ?? {};
      const carbon = buildNodeCarbonProfile(this.hints, this.carbonChoices);
      this.carbon = carbon;
      const deviceClass = toProtocolDeviceClass(carbon.device.deviceClass);
      const profile: NodeProfile = loaded ?? { name: `${deviceClass}-${Math.random().toString(36).slice(2, 6)}` };
      this.name = profile.name;
      await updateProfile({ name: profile.name }, profile.name);
      const config = await loadAppConfig();
      this.transport = await openPeerTransport(signalingFor(config));
      this.transport.onError((error) => (this.error = error.message));
      const node = new EdgeNode({
        transport: this.transport,
        room: this.room,
        token: this.token,
        identity: {
          name: profile.name,
          deviceClass,
          hardwareConcurrency: navigator.hardwareConcurrency || 1,
          deviceMemoryGb: this.hints.deviceMemoryGb ?? null,
          webgpu: 'gpu' in navigator,
          simulated: false,
        },
        runBenchmark: () => this.runBenchmark(),
      });
      this.node = node;
      node.onChange(() => {
        this.nodeState = node.state;
        this.error = node.error ?? '';
        // Welcomed: the node left 'joining' with an id. Send the profile once here, then on edits.
        if (!this.profileSent && node.nodeId !== undefined && node.state !== 'joining') {
          this.profileSent = true;
          this.sendProfile();
        }
      });
      await node.start();
    } catch (error) {
      this.nodeState = 'error';
      this.error = `Could not join: ${(error as Error).message}`;
    }
  }

  /** Reuse the stored benchmark when the thread count matches; else run it in the worker. */
  private async runBenchmark(): Promise<BenchmarkReport> {
    const profile = await loadProfile();
    if (profile?.benchmark && profile.benchmark.threads === threadCount() && !this.benchmark) {
      this.benchmark = profile.benchmark;
      this.reusedBenchmark = true;
      return profile.benchmark;
    }
    this.runtime ??= await startRuntimeWorker();
    const report = await this.runtime.api.benchmark({
      modelUrl: PADDLE_CLS_URL,
      modelName: 'paddle-cls',
      inputName: PADDLE_CLS_INPUT,
      input: benchmarkInput(),
      runs: 10,
      backends: 'gpu' in navigator ? ['wasm', 'webgpu'] : ['wasm'],
    });
    this.benchmark = report;
    this.reusedBenchmark = false;
    await updateProfile({ benchmark: report, benchmarkedAtMs: Date.now() }, this.name);
    return report;
  }

  /** Send the current carbon profile to the coordinator (dropped by the node when not joined). */
  private sendProfile(): void {
    if (this.carbon && this.node?.nodeId !== undefined) this.node.sendToCoordinator(this.carbon.message);
  }

  /** Apply an edit from the Carbon card: refused edits keep the previous choices and show why. */
  private onCarbonEdit(event: CustomEvent<CarbonEditDetail>): void {
    const { field, text } = event.detail;
    const result: ChoiceResult =
      field === 'zone' ? applyZoneInput(this.carbonChoices, text)
        : field === 'intensity' ? applyIntensityInput(this.carbonChoices, text)
          : applyPowerInput(this.carbonChoices, text, this.hints);
    if (!result.ok) {
      this.carbonError = { field: result.field, reason: result.reason };
      return;
    }
    this.carbonError = undefined;
    this.carbonChoices = result.choices;
    this.carbon = buildNodeCarbonProfile(this.hints, result.choices);
    void updateProfile({ carbon: result.choices }, this.name);
    this.sendProfile();
  }

  private async rename(event: Event): Promise<void> {
    const value = (event.target as HTMLInputElement).value.trim().slice(0, 64);
    if (!value) return;
    this.name = value;
    await updateProfile({ name: value }, value);
  }

  override render() {
    const bad = this.nodeState === 'error' || this.nodeState === 'rejected';
    return html`
      <div class="card">
        <dl>
          <dt>Room</dt><dd>${this.room}</dd>
          <dt>Name</dt>
          <dd><input .value=${this.name} maxlength="64" @change=${(e: Event) => this.rename(e)} />
            <small>(used from the next join)</small></dd>
          <dt>State</dt><dd data-testid="node-state" data-state=${this.nodeState}>${STATE_TEXT[this.nodeState]}</dd>
        </dl>
      </div>
      ${bad || this.error ? html`<div class="error" role="alert" data-testid="node-error">${this.error || STATE_TEXT[this.nodeState]}</div>` : ''}
      <ce-carbon-card data-testid="carbon-card" .profile=${this.carbon} .choices=${this.carbonChoices} .error=${this.carbonError}
        @carbon-edit=${(e: CustomEvent<CarbonEditDetail>) => this.onCarbonEdit(e)}></ce-carbon-card>
      ${this.benchmark
        ? html`<div class="card" data-testid="node-benchmark">
            <strong>Self-benchmark</strong> (${this.benchmark.model}, ${this.benchmark.threads} thread(s)${this.reusedBenchmark ? ', from this browser\'s saved profile' : ''})
            <ul>
              ${this.benchmark.backends.map((b) =>
                b.available
                  ? html`<li>${b.backend}: ${b.medianMs?.toFixed(1)} ms median of ${b.runs} runs</li>`
                  : html`<li>${b.backend}: unavailable (${b.error})</li>`,
              )}
            </ul>
          </div>`
        : ''}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-node-page': CeNodePage;
  }
}
