import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { JoinToken, RoomId } from '../protocol/ids';
import type { BenchmarkReport } from '../protocol/messages';
import type { EdgeNodeState } from '../swarm/edge-node';
import { IdbSliceStore } from './idb-slice-store';
import { startNodeSession, type NodeSession } from './node-session';
import { measuredWhileBusy, reusableBenchmark, runSelfBenchmark } from './self-benchmark';
import { loadProfile, updateProfile, type NodeProfile } from './profile-store';
import { threadCount, type RuntimeClient } from './runtime-client';
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
import { configuredPowerModel } from '../carbon';
import { parseLabNodeParams, type LabNodeParams } from '../lab/lab-node-params';
import './ce-carbon-card';
import './ce-node-contribution';
import { contextSummary, cpuShareText, type NodeContribution } from './node-contribution';
import type { CarbonEditDetail, CarbonFieldError } from './ce-carbon-card';

/** What this browser tells about the device and its time zone (read once per page). */
function readBrowserHints(): BrowserHints {
  return browserHintsFrom(navigator as Navigator & { deviceMemory?: number }, Intl.DateTimeFormat().resolvedOptions().timeZone);
}

const STATE_TEXT: Record<EdgeNodeState, string> = {
  connecting: 'connecting to the coordinator...',
  joining: 'joining the room...',
  benchmarking: 'benchmarking this device...',
  ready: 'ready: waiting for work',
  rejoining: 'rejoining the room...',
  rejected: 'refused by the coordinator',
  error: 'error',
  left: 'left the room',
};


/** Ask the browser to keep the screen on while the page is visible (where it allows it: secure contexts). */
async function holdWakeLock(): Promise<'held' | 'unavailable' | 'refused'> {
  const wakeLock = (navigator as Navigator & { wakeLock?: { request(type: 'screen'): Promise<unknown> } }).wakeLock;
  if (!wakeLock) return 'unavailable';
  try {
    await wakeLock.request('screen');
    return 'held';
  } catch {
    return 'refused';
  }
}

/** WASM threads of this page's worker: a lab node's `threads`, capped by what the page can have. */
function workerThreads(lab: LabNodeParams | undefined): number {
  return lab?.threads !== undefined ? Math.min(lab.threads, threadCount()) : threadCount();
}

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
    .muted { color: #555; font-size: 0.85rem; margin-top: 6px; }
    .keep-open { font-size: 0.9rem; }
    :host { display: block; max-width: 100%; overflow-wrap: anywhere; }
    details { margin-bottom: 12px; }
    summary { cursor: pointer; font-weight: 600; padding: 8px 0; min-height: 32px; }
    input { max-width: 100%; box-sizing: border-box; }
    .estimate { color: #555; font-size: 0.8rem; }
  `;

  @property({ attribute: false }) room!: RoomId;
  @property({ attribute: false }) token!: JoinToken;
  @state() private nodeState: EdgeNodeState = 'connecting';
  @state() private error = '';
  @state() private name = '';
  @state() private benchmark: BenchmarkReport | undefined;
  @state() private reusedBenchmark = false;
  /** What the self-benchmark is doing now (shown while benchmarking). */
  @state() private benchmarkPhase = '';
  /** Why the benchmark runs a second time, and what stalled, when its first worker stalled (node-session.ts). */
  @state() private benchmarkRetry: { readonly message: string; readonly stalled: string } | undefined;
  @state() private carbonChoices: CarbonChoices = {};
  @state() private carbon: NodeCarbonProfile | undefined;
  @state() private carbonError: CarbonFieldError | undefined;
  private readonly hints = readBrowserHints();
  @state() private executions = 0;
  /** What this node refused from peers (counted by the executor and the edge node). */
  @state() private refused = { links: 0, messages: 0, coordinators: 0 };
  /** Compute time of this device's slice runs, ms (its executor's). */
  @state() private busyMs = 0;
  /** When the execution count last grew (page clock, ms). */
  private lastExecutionMs = 0;
  @state() private hosting: { runId: number; sliceIndex: number }[] = [];
  @state() private wakeLock: 'held' | 'unavailable' | 'refused' | 'pending' = 'pending';
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') void holdWakeLock().then((r) => (this.wakeLock = r));
  };
  /** Lab / experiment node (URL parameters, issue 7): simulated, not saved to this browser's profile. */
  @state() private lab: LabNodeParams | undefined;
  private session: NodeSession | undefined;
  private readonly onPageHide = () => this.session?.stop('tab closed');

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener('pagehide', this.onPageHide);
    document.addEventListener('visibilitychange', this.onVisible);
    this.onVisible();
    void this.join();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('pagehide', this.onPageHide);
    document.removeEventListener('visibilitychange', this.onVisible);
    this.session?.stop('page closed');
  }

  /**
   * Apply the lab URL parameters (src/lab/lab-node-params.ts) through the same checks as the Carbon
   * card's edits, so figures keep their `configured` labels. Returns a reason when a value is bad.
   */
  private applyLabParams(params: LabNodeParams): string | undefined {
    let choices: CarbonChoices = {};
    const steps: Array<[string | undefined, (c: CarbonChoices, text: string) => ChoiceResult]> = [
      [params.zone, applyZoneInput],
      [params.intensity, applyIntensityInput],
      [params.watts, (c, text) => applyPowerInput(c, text, this.hints)],
    ];
    for (const [text, apply] of steps) {
      if (text === undefined) continue;
      const result = apply(choices, text);
      if (!result.ok) return `lab parameter ${result.field}: ${result.reason}`;
      choices = result.choices;
    }
    this.carbonChoices = choices;
    let carbon = buildNodeCarbonProfile(this.hints, choices);
    if (params.idleWatts !== undefined && choices.maxWatts !== undefined) {
      try {
        const power = configuredPowerModel({ deviceClass: carbon.device.deviceClass, arch: carbon.device.arch, maxWatts: choices.maxWatts, idleWatts: params.idleWatts, ramGb: null, source: 'set by the lab URL (whole device: idle and full load)' });
        carbon = { ...carbon, power, message: { ...carbon.message, power } };
      } catch (error) {
        return `lab parameter idle: ${(error as Error).message}`;
      }
    }
    this.carbon = { ...carbon, message: { ...carbon.message, slowdown: params.slowdown ?? 1 } };
    return undefined;
  }

  private async join(): Promise<void> {
    const lab = parseLabNodeParams(location.search);
    if (!lab.ok) {
      this.nodeState = 'error';
      this.error = `Bad lab parameters: ${lab.reason}`;
      return;
    }
    if (lab.lab) {
      this.lab = lab.params;
      const problem = this.applyLabParams(lab.params);
      if (problem) {
        this.nodeState = 'error';
        this.error = `Bad lab parameters: ${problem}`;
        return;
      }
      return this.joinAsLabNode(lab.params);
    }
    try {
      const loaded = await loadProfile();
      this.carbonChoices = loaded?.carbon ?? {};
      const carbon = buildNodeCarbonProfile(this.hints, this.carbonChoices);
      this.carbon = carbon;
      const deviceClass = toProtocolDeviceClass(carbon.device.deviceClass);
      const profile: NodeProfile = loaded ?? { name: `${deviceClass}-${Math.random().toString(36).slice(2, 6)}` };
      this.name = profile.name;
      await updateProfile({ name: profile.name }, profile.name);
      const session = await startNodeSession({
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
        store: new IdbSliceStore(),
        benchmark: (runtime) => this.runBenchmark(runtime),
        onBenchmarkRetry: (message, stalled) => (this.benchmarkRetry = { message, stalled }),
        profile: () => this.carbon?.message,
      });
      this.watch(session);
    } catch (error) {
      this.nodeState = 'error';
      this.error = `Could not join: ${(error as Error).message}`;
    }
  }

  /** Join as a lab node: its own name, slowdown and carbon profile; nothing read from or saved to IndexedDB. */
  private async joinAsLabNode(params: LabNodeParams): Promise<void> {
    const carbon = this.carbon!;
    const deviceClass = toProtocolDeviceClass(carbon.device.deviceClass);
    this.name = params.name ?? `lab-${Math.random().toString(36).slice(2, 6)}`;
    try {
      const session = await startNodeSession({
        room: this.room,
        token: this.token,
        identity: {
          name: this.name,
          deviceClass,
          hardwareConcurrency: navigator.hardwareConcurrency || 1,
          deviceMemoryGb: params.memoryMb !== undefined ? params.memoryMb / 1024 : this.hints.deviceMemoryGb ?? null,
          webgpu: 'gpu' in navigator,
          simulated: true,
        },
        store: new IdbSliceStore(),
        slowdown: params.slowdown ?? 1,
        ...(params.threads !== undefined ? { numThreads: workerThreads(params) } : {}),
        // The benchmark and the cost micro-benchmark warm the worker up themselves (src/cost).
        benchmark: async (runtime) => (this.benchmark = await runSelfBenchmark(runtime, { onPhase: (phase) => (this.benchmarkPhase = phase) })),
        onBenchmarkRetry: (message, stalled) => (this.benchmarkRetry = { message, stalled }),
        profile: () => this.carbon?.message,
      });
      this.watch(session);
    } catch (error) {
      this.nodeState = 'error';
      this.error = `Could not join: ${(error as Error).message}`;
    }
  }

  /** Mirror the session's state on the page. */
  private watch(session: NodeSession): void {
    this.session = session;
    const { node } = session;
    session.transport.onError((error) => (this.error = error.message));
    const sync = () => {
      this.nodeState = node.state;
      this.error = node.error ?? '';
      if (session.executor.executions !== this.executions) this.lastExecutionMs = performance.now();
      this.executions = session.executor.executions;
      this.busyMs = session.executor.busyMs;
      this.hosting = session.executor.hosted();
      const links = session.executor.receiverStats.links;
      this.refused = {
        links: links.refusedLinks,
        messages: links.droppedBeforeAuth + links.rejectedChunks + session.executor.rejectedFrames + node.droppedMessages + node.refusedCommands,
        coordinators: node.refusedCoordinators,
      };
    };
    node.onChange(sync);
    node.onCommand(() => setTimeout(sync, 0));
    setInterval(sync, 1000);
    sync();
  }

  /** Reuse the stored benchmark when it fits this page's worker (`reusableBenchmark`); else run it in the worker. */
  private async runBenchmark(runtime: RuntimeClient): Promise<BenchmarkReport> {
    const profile = await loadProfile();
    if (profile?.benchmark && reusableBenchmark(profile.benchmark, threadCount()) && !this.benchmark) {
      this.benchmark = profile.benchmark;
      this.reusedBenchmark = true;
      return profile.benchmark;
    }
    const report = await runSelfBenchmark(runtime, { onPhase: (phase) => (this.benchmarkPhase = phase) });
    this.benchmark = report;
    this.reusedBenchmark = false;
    // A benchmark taken on a busy device is used now but not kept: the next visit measures again.
    if (!measuredWhileBusy(report)) await updateProfile({ benchmark: report, benchmarkedAtMs: Date.now() }, this.name);
    return report;
  }

  /** Send the current carbon profile to the coordinator (dropped by the node when not joined). */
  private sendProfile(): void {
    this.session?.sendProfile();
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
    if (!this.lab) void updateProfile({ carbon: result.choices }, this.name);
    else this.carbon = { ...this.carbon, message: { ...this.carbon.message, slowdown: this.lab.slowdown ?? 1 } };
    this.sendProfile();
  }

  private async rename(event: Event): Promise<void> {
    const value = (event.target as HTMLInputElement).value.trim().slice(0, 64);
    if (!value) return;
    this.name = value;
    if (!this.lab) await updateProfile({ name: value }, value);
  }

  /** Whether WebGPU can be used here: the self-benchmark's verdict once it has one, before it whether the browser has the API. */
  private webgpuVerdict(): true | string {
    const tried = this.benchmark?.backends.find((b) => b.backend === 'webgpu');
    if (tried) return tried.available ? true : tried.error ?? 'unavailable';
    return 'gpu' in navigator ? true : 'this browser has no WebGPU';
  }

  /** The state line: while ready, say whether slices are running or hosted. */
  private stateText(): string {
    if (this.nodeState === 'benchmarking' && this.benchmarkPhase) return `benchmarking this device: ${this.benchmarkPhase}...${this.benchmarkRetry ? ` (${this.benchmarkRetry.message})` : ''}`;
    if (this.nodeState !== 'ready') return this.nodeState === 'rejoining' && this.error ? this.error : STATE_TEXT[this.nodeState];
    const slices = this.hosting.map((h) => h.sliceIndex + 1).join(', ');
    if (performance.now() - this.lastExecutionMs < 3000 && this.executions > 0) return `running slice ${slices || '?'} for the coordinator`;
    if (this.hosting.length) return `ready: hosting slice ${slices}, waiting for inputs`;
    return STATE_TEXT.ready;
  }

  /**
   * What this device did, from what it knows: its slices and runs (its executor), the energy of its
   * compute time at full power (busy ms x max watts, an estimate) and that energy's grams at its grid
   * intensity. The model's name, slice count and the room's shares are not sent to nodes (yet).
   */
  private contribution(): NodeContribution {
    const power = this.carbon?.message.power;
    const intensity = this.carbon?.message.intensity.gramsCo2PerKwh ?? 0;
    const energyJoules = power ? (this.busyMs / 1000) * power.maxWatts : 0;
    return {
      model: this.hosting.length ? "the coordinator's model" : null,
      slices: this.hosting.map((h) => ({ index: h.sliceIndex, count: 0, range: [0, 0] as const, modelNodeCount: 0 })),
      slicesRun: this.executions,
      energyJoules,
      gramsCo2: (energyJoules / 3.6e6) * intensity,
      room: [],
    };
  }

  override render() {
    const bad = this.nodeState === 'error' || this.nodeState === 'rejected';
    const busy = this.nodeState === 'ready' && performance.now() - this.lastExecutionMs < 3000 && this.executions > 0;
    return html`
      <div class="card" data-testid="node-contribution">
        <ce-node-contribution .contribution=${this.contribution()}></ce-node-contribution>
        <div class="estimate">Energy: this device's compute time at its full power (${this.carbon?.message.power.label ?? 'estimated'}); grams at its grid intensity.</div>
      </div>
      <div class="card">
        <dl>
          <dt>Room</dt><dd>${this.room}</dd>
          <dt>Name</dt>
          <dd><input .value=${this.name} maxlength="64" @change=${(e: Event) => this.rename(e)} />
            <small>(used from the next join)</small></dd>
          ${this.lab ? html`<dt>Lab node</dt><dd data-testid="node-lab">simulated: slowdown x${this.lab.slowdown ?? 1} (worker duty cycle)</dd>` : ''}
          <dt>State</dt><dd data-testid="node-state" data-state=${this.nodeState} data-busy=${busy ? 'yes' : 'no'}>${this.stateText()}</dd>
          <dt>Slices run</dt><dd data-testid="node-executions">${this.executions}</dd>
          ${this.refused.links + this.refused.messages + this.refused.coordinators
            ? html`<dt>Refused</dt><dd data-testid="node-refused">${this.refused.messages} message(s) from peers, ${this.refused.links} unauthenticated link(s), ${this.refused.coordinators} coordinator(s) with the wrong key</dd>`
            : ''}
        </dl>
      </div>
      ${bad ? html`<div class="error" role="alert" data-testid="node-error">${this.error || STATE_TEXT[this.nodeState]}</div>` : ''}
      <div class="card keep-open" data-testid="node-keep-open">
        Keep this tab open and the screen on while the class runs: a phone that sleeps drops out of the
        room (it rejoins when woken). ${this.wakeLock === 'held' ? 'This page is keeping the screen on.' : this.wakeLock === 'pending' ? '' : 'This browser does not let the page keep the screen on here.'}
        <div class="muted" data-testid="node-context">${contextSummary({
          isSecureContext: window.isSecureContext,
          crossOriginIsolated: window.crossOriginIsolated,
          webgpu: this.webgpuVerdict(),
          threads: this.session?.runtime.info.threads ?? workerThreads(this.lab),
          protocol: location.protocol,
        })}</div>
      </div>
      <details data-testid="carbon-details" ?open=${window.innerWidth >= 700}><summary>Carbon settings: zone, grid intensity, power</summary>
      <ce-carbon-card data-testid="carbon-card" .profile=${this.carbon} .choices=${this.carbonChoices} .error=${this.carbonError}
        @carbon-edit=${(e: CustomEvent<CarbonEditDetail>) => this.onCarbonEdit(e)}></ce-carbon-card></details>
      ${this.benchmark
        ? html`<div class="card" data-testid="node-benchmark">
            <strong>Self-benchmark</strong> (${this.benchmark.model}, ${this.benchmark.threads} thread(s)${this.reusedBenchmark ? ', from this browser\'s saved profile' : ''})
            <ul>
              ${this.benchmark.backends.map((b) =>
                b.available
                  ? html`<li>${b.backend}: ${b.medianMs?.toFixed(1)} ms median of ${b.runs} runs${b.cpuShare !== undefined ? html`, ${cpuShareText(b.cpuShare, b.cpuThreads)}` : ''}</li>`
                  : html`<li>${b.backend}: unavailable (${b.error})</li>`,
              )}
            </ul>
            ${this.benchmarkRetry
              ? html`<p data-testid="node-benchmark-retry">The first benchmark stalled (${this.benchmarkRetry.stalled}), so this device's runtime worker was restarted on 1 thread: slices run there until this page is reloaded.</p>`
              : ''}
            ${measuredWhileBusy(this.benchmark)
              ? html`<p data-testid="node-benchmark-busy">This device stayed busy while it measured, so these figures may read slow; they are not kept for the next visit. Close other tabs and apps, then reload to measure again.</p>`
              : ''}
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
