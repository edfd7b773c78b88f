import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { NodeRecord } from '../swarm/coordinator';
import type { BackendBenchmark } from '../protocol/messages';
import { formatIntensity, formatPowerModel } from '../carbon';
import { formatFigure } from './node-carbon-profile';
import { WHAT_IF_ZONES, isWhatIf, whatIfForZone } from './what-if';
import type { ProbedLink } from '../swarm/link-prober';
import { machineLabels } from './machines';
import { formatBytesPerSecond, formatDuration } from './format';
import { timingNote } from './self-benchmark';

/** Detail of the `what-if` event: a zone for the node, or null for the intensity it reports. */
export interface WhatIfDetail {
  readonly nodeId: string;
  readonly zone: string | null;
}

function backendCell(b: BackendBenchmark | undefined) {
  if (!b) return '-';
  if (!b.available) return html`<span title=${b.error ?? ''}>unavailable</span>`;
  const gflops = b.flopsPerSecond ? ` · ${(b.flopsPerSecond / 1e9).toFixed(2)} GFLOP/s` : '';
  const timing = timingNote(b);
  return html`<span title=${timing?.title ?? ''}>${b.medianMs?.toFixed(1)} ms${gflops}</span>${timing?.busy ? html` <span class="label busy" data-testid="benchmark-busy">(device busy)</span>` : ''}`;
}

type Profile = NonNullable<NodeRecord['profile']>;

/** Intensity cell: value and source; the full provenance (kind, vintage, fallback) in the title. */
function intensityCell(profile: Profile | undefined) {
  if (!profile) return html`<td class="intensity">-</td>`;
  const r = profile.intensity;
  return html`<td class="intensity" title=${formatIntensity(r)} data-grams-co2-per-kwh=${r.gramsCo2PerKwh} data-source=${r.source}>
    ${formatFigure(r.gramsCo2PerKwh)} gCO2/kWh <span class="label">${r.fallback ? 'fallback ' : ''}${r.source}</span></td>`;
}

/** Power cell: idle-max watts and the label (estimated / configured / measured); source in the title. */
function powerCell(profile: Profile | undefined) {
  if (!profile) return html`<td class="power">-</td>`;
  const p = profile.power;
  return html`<td class="power" title=${formatPowerModel(p)} data-label=${p.label} data-idle-watts=${p.idleWatts} data-max-watts=${p.maxWatts}>
    ${formatFigure(p.idleWatts)}-${formatFigure(p.maxWatts)} W <span class="label">${p.label}</span></td>`;
}

/** The coordinator's live table of nodes. Renders state; holds no logic. Names render as text. */
function linkCell(link: ProbedLink | undefined) {
  if (!link) return html`<td class="link">-</td>`;
  const cpu = (link.senderCpuMsPerMegabyte + link.receiverCpuMsPerMegabyte) / 2;
  const host = link.hostCpuMsPerMegabyte;
  const hostText = host === undefined ? '' : `; moving a MB to it cost this machine ${host.toFixed(0)} ms of CPU, every process (timed)`;
  return html`<td class="link" title="one-way latency; throughput; main-thread CPU per MB at each end ${cpu.toFixed(1)} ms${hostText}"
    data-bandwidth-bytes-per-second=${link.bandwidthBytesPerSecond} data-latency-ms=${link.latencyMs} data-host-cpu-ms-per-mb=${host ?? ''}>${formatBytesPerSecond(link.bandwidthBytesPerSecond)}, ${formatDuration(link.latencyMs)}</td>`;
}

@customElement('ce-node-table')
export class CeNodeTable extends LitElement {
  static override styles = css`
    table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
    th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #dde5dd; }
    th { background: #eef5ee; }
    .state-ready { color: #2e7d32; font-weight: 600; }
    .state-gone { color: #999; text-decoration: line-through; }
    .empty { color: #666; font-style: italic; }
    .label { color: #555; font-size: 0.8rem; }
    tr.failed td { background: #fdecea; }
    .why { display: block; color: #b71c1c; font-size: 0.8rem; font-weight: normal; }
  `;

  @property({ attribute: false }) nodes: readonly NodeRecord[] = [];
  /** Nodes that failed in the current run, with why (marked in their row). */
  @property({ attribute: false }) failed: ReadonlyMap<string, string> = new Map();
  /** The coordinator's measured link to each node (src/swarm/link-prober.ts), by node id. */
  @property({ attribute: false }) links: ReadonlyMap<string, ProbedLink> = new Map();

  private whatIf(nodeId: string, zone: string): void {
    this.dispatchEvent(new CustomEvent<WhatIfDetail>('what-if', { detail: { nodeId, zone: zone || null }, bubbles: true, composed: true }));
  }

  override render() {
    if (this.nodes.length === 0) return html`<p class="empty">No nodes yet: open the join URL on another device or tab.</p>`;
    const machines = machineLabels(this.nodes);
    return html`<table data-testid="node-table">
      <thead><tr><th>name</th><th>device</th><th>cores</th><th>WASM benchmark</th><th>WebGPU</th><th>load</th><th title="the coordinator's link to the node, measured once it is ready">link</th><th>zone</th><th>intensity</th><th>power</th><th>state</th><th>what-if grid</th></tr></thead>
      <tbody>
        ${this.nodes.map((n) => {
          const wasm = n.benchmark?.backends.find((b) => b.backend === 'wasm');
          const gpu = n.benchmark?.backends.find((b) => b.backend === 'webgpu');
          const failed = this.failed.get(n.nodeId);
          return html`<tr data-node-id=${n.nodeId} data-state=${n.state} class=${failed ? 'failed' : ''} data-failed=${failed ? 'yes' : 'no'}>
            <td class="name">${n.name}${n.simulated ? ' (simulated)' : ''}</td>
            <td class="device" data-machine=${machines.get(n.nodeId) ?? ''}>${n.deviceClass}${machines.has(n.nodeId)
              ? html` <span class="label" title="shares one processor with the other nodes marked so: the planner never counts them as a processor each">${machines.get(n.nodeId)}</span>`
              : ''}</td>
            <td>${n.hardwareConcurrency}</td>
            <td class="wasm">${backendCell(wasm)}</td>
            <td class="webgpu">${gpu ? backendCell(gpu) : n.webgpu ? 'not tested' : 'no'}</td>
            <td class="load">${n.state === 'gone' ? '-' : n.load < 0.02 ? 'idle' : `${Math.round(n.load * 100)}%`}</td>
            ${linkCell(this.links.get(n.nodeId))}
            <td class="zone">${n.profile && isWhatIf(n.profile.intensity) ? html`<span class="label">configured</span> ` : ''}${n.profile?.intensity.zone ?? '-'}</td>
            ${intensityCell(n.profile)}
            ${powerCell(n.profile)}
            <td class="state state-${n.state}" title=${n.goneReason ?? ''}>${n.state}${failed ? html`<span class="why" data-testid="node-failed-reason">failed: ${failed}</span>` : ''}</td>
            <td><select data-testid="what-if" aria-label="what-if grid for ${n.name}" ?disabled=${n.state === 'gone'} @change=${(e: Event) => this.whatIf(n.nodeId, (e.target as HTMLSelectElement).value)}>
              <option value="" ?selected=${!n.profile || !isWhatIf(n.profile.intensity)}>as reported</option>
              ${WHAT_IF_ZONES.map((z) => html`<option value=${z} ?selected=${!!n.profile && isWhatIf(n.profile.intensity) && n.profile.intensity.zone === z}>${z} (${formatFigure(whatIfForZone(z).gramsCo2PerKwh)} g/kWh)</option>`)}
            </select></td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-node-table': CeNodeTable;
  }
}
