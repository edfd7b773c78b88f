/**
 * What one device contributes, in sentences a student reads on a phone (issue 14, "The node page"),
 * pure. The node page gathers the figures (its slices, runs, joules and grams from its own
 * executor, the room's shares from the coordinator) and ce-node-contribution displays the result.
 */
import { formatGramsCo2, formatJoules, formatShare } from './format';

/** A slice this device holds. */
export interface HeldSlice {
  /** 0-based position in its pipeline. */
  readonly index: number;
  /** Slices in that pipeline; 0 when the device is not told. */
  readonly count: number;
  /** Half-open range of graph positions [start, end). */
  readonly range: readonly [number, number];
  /** Graph nodes of the whole model. */
  readonly modelNodeCount: number;
}

/** Another device of the room (or this one, `self: true`). */
export interface RoomPeer {
  readonly name: string;
  readonly self: boolean;
  /** Share of the room's busy time, [0, 1]. */
  readonly workShare: number;
  readonly gramsCo2PerKwh: number;
  readonly gramsCo2: number;
}

/** Everything the panel shows. */
export interface NodeContribution {
  readonly model: string | null;
  readonly slices: readonly HeldSlice[];
  /** Slice runs completed by this device. */
  readonly slicesRun: number;
  readonly energyJoules: number;
  readonly gramsCo2: number;
  readonly room: readonly RoomPeer[];
}

/** `Slice 2 of 3 of mobilenetv2` (or `Whole model ...`, `Waiting for a slice`). */
export function doingNow(c: Pick<NodeContribution, 'model' | 'slices'>): string {
  const s = c.slices[0];
  if (!c.model || !s) return 'Waiting for work: the coordinator has not given this device a slice yet.';
  if (s.count === 1) return `Running the whole of ${c.model}.`;
  if (s.count < 1) return `Running slice ${s.index + 1} of ${c.model}.`;
  const more = c.slices.length > 1 ? ` (and ${c.slices.length - 1} more)` : '';
  return `Running slice ${s.index + 1} of ${s.count} of ${c.model}${more}.`;
}

/** Two lines on what a slice is, with this slice's share of the model when there is one. */
export function sliceExplanation(c: Pick<NodeContribution, 'slices'>): [string, string] {
  const s = c.slices[0];
  const part = s && s.modelNodeCount > 0 ? ` This device holds ${formatShare((s.range[1] - s.range[0]) / s.modelNodeCount)} of its layers (graph steps ${s.range[0]} to ${s.range[1] - 1}).` : '';
  return [
    `A neural network is a chain of layers; the coordinator cuts it into slices and gives each device one.${part}`,
    'Each picture goes through the slices in order: a device runs its layers and sends the result to the next device, so the room runs a model none of its phones holds whole.',
  ];
}

/** How this device compares with the others of the room, in up to three sentences. */
export function roomComparison(c: Pick<NodeContribution, 'room'>): string[] {
  const self = c.room.find((p) => p.self);
  const others = c.room.filter((p) => !p.self);
  if (!self) return [];
  if (others.length === 0) return ['This device is alone in the room for now.'];
  const byWork = [...c.room].sort((a, b) => b.workShare - a.workShare);
  const rank = byWork.indexOf(self) + 1;
  const cleaner = others.filter((p) => p.gramsCo2PerKwh > self.gramsCo2PerKwh).length;
  const dirtier = others.filter((p) => p.gramsCo2PerKwh < self.gramsCo2PerKwh).length;
  const lines = [`It did ${formatShare(self.workShare)} of the room's work: ${ordinal(rank)} of ${c.room.length} devices.`];
  lines.push(cleaner === others.length ? "Its electricity is the cleanest in the room." : dirtier === others.length ? "Its electricity is the most carbon-intensive in the room." : `Its electricity is cleaner than ${cleaner} of the ${others.length} other devices'.`);
  const total = c.room.reduce((a, p) => a + p.gramsCo2, 0);
  if (total > 0) lines.push(`It emitted ${formatShare(self.gramsCo2 / total)} of the room's CO2 (${formatGramsCo2(self.gramsCo2)}).`);
  return lines;
}

function ordinal(n: number): string {
  const tail = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${tail}`;
}

/** The figures line: `42 slice runs · 12.4 J · 1.37 mgCO2`. */
export function spentLine(c: Pick<NodeContribution, 'slicesRun' | 'energyJoules' | 'gramsCo2'>): string {
  return `${c.slicesRun} slice run${c.slicesRun === 1 ? '' : 's'} \u00b7 ${formatJoules(c.energyJoules)} \u00b7 ${formatGramsCo2(c.gramsCo2)}`;
}

/**
 * What this page's context allows, in words: threads, WebGPU, and what --https would add. `webgpu`
 * is true when WebGPU can be used, else why not (the self-benchmark's reason once it has one).
 */
export function contextSummary(env: { isSecureContext: boolean; crossOriginIsolated: boolean; webgpu: true | string; threads: number; protocol: string }): string {
  const parts = [
    env.crossOriginIsolated ? `${env.threads} WASM thread(s)` : '1 WASM thread (the page is not cross-origin isolated)',
    env.webgpu === true ? 'WebGPU available' : env.isSecureContext ? `no WebGPU (${env.webgpu})` : 'no WebGPU (needs a secure context)',
  ];
  const missing = !env.isSecureContext && env.protocol === 'http:';
  return `${parts.join(', ')}.${missing ? ' Plain http on a LAN address: the coordinator can start with --https to give this device threads and WebGPU.' : ''}`;
}

/**
 * How much of the machine the worker had when it timed, in words: the share of a core, and with
 * more than one WASM thread, that every thread got at least that share at once
 * (src/cost/cpu-share.ts `CoreSampler`).
 */
export function cpuShareText(share: number, threads: number = 1): string {
  const pct = Math.round(share * 100);
  return threads > 1 ? `each of the worker's ${threads} threads had at least ${pct}% of a core` : `the worker had ${pct}% of a core`;
}
