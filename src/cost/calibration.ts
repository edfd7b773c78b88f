/**
 * Calibration from the run itself (issue 11): measured busy and wall ms of each execution and the
 * timings of each hop flow back into corrections of the predictions, so that they converge on what
 * the swarm does. Pure: no clock, no I/O; the run loop feeds records and reads figures.
 *
 * Estimators (README.md explains the choice):
 * - per (node, slice, backend) factor = the geometric centre (robust-stats.ts `geometricCentre`: the
 *   geometric mean with each log clipped to 3 scaled MADs of their median) of the last
 *   `sliceWindow` (9) ratios measured wall ms / base predicted ms;
 * - per (node, backend) factor = the same over the last `nodeWindow` (16) such ratios over every
 *   slice the node ran; it corrects slices the node has not run yet and gives the `calibrated`
 *   BackendCost (rates / factor, fixed ms x factor) the planner consumes;
 * - a prediction uses the slice factor once it has `minSliceSamples` (3) samples, else the node's.
 * Slices keep their own factors, also on a shared host: pooling them towards their host group's
 * (tried until 2026-12-06) put the swarm bench's per-slice predictions further from the run, since
 * contention stretches a pipeline's slices differently (its last slice most).
 * Not EWMAs: a shared machine produces lone slow runs (GC, another tab starting) that the clipped
 * centre ignores and an EWMA smears over the next runs; the lag the window has after a real step is
 * removed by the drift detector, which drops the samples from before the step when it fires.
 *
 * Wall ms, not busy ms, is compared with the prediction: it is how long the node is occupied per
 * execution (a slowed node's duty-cycle idling included), which is what latency and throughput see.
 * Busy ms is kept for energy (the ledger's rule) and shown beside it.
 *
 * Links (symmetric, as PlanLink): hop samples (bytes, transfer ms) per pair are fitted to
 * ms = latency + bytes / bandwidth by least squares over the last `linkWindow` (32) samples when
 * their sizes vary (max >= 1.5 x min); otherwise latency comes from the last link probe (or the
 * given default) and bandwidth = median of bytes / (ms - latency). CPU ms per MB moved is the
 * median of the last `linkWindow` ratios per node (sending and receiving alike).
 */
import type { BackendCost, LinkEstimate, PlanLink } from '../plan/plan-types';
import { LAN_LINK_DEFAULTS, OP_CLASSES, type OpClass } from '../plan/plan-types';
import { DRIFT_DEFAULTS, DriftDetector, type Drift, type DriftOptions } from './drift';
import { CostInputError } from './errors';
import { geometricCentre, median } from './robust-stats';

/** Settings of a {@link Calibration}; defaults in {@link CALIBRATION_DEFAULTS}. */
export interface CalibrationOptions {
  readonly sliceWindow?: number;
  readonly nodeWindow?: number;
  readonly minSliceSamples?: number;
  readonly linkWindow?: number;
  /** Drift detection on each node's factor and each link's bandwidth. */
  readonly drift?: DriftOptions;
  /** Latency assumed for a link before any probe, ms (default LAN_LINK_DEFAULTS). */
  readonly linkDefaults?: LinkEstimate;
}

/** Defaults of {@link CalibrationOptions}. */
export const CALIBRATION_DEFAULTS = { sliceWindow: 9, nodeWindow: 16, minSliceSamples: 3, linkWindow: 32 } as const;

/** One execution of a slice on a node, as the node reported it. */
export interface ExecutionRecord {
  readonly nodeId: string;
  /** Identifies the slice, e.g. `mobilenetv2[0,54)`. */
  readonly sliceKey: string;
  readonly backend: string;
  /** Prediction from the node's measured (uncalibrated) cost, ms. */
  readonly basePredictedMs: number;
  /** Measured by the node's worker. */
  readonly busyMs: number;
  readonly wallMs: number;
}

/** One hop of a request between two endpoints ('coordinator' or node ids). */
export interface HopRecord {
  readonly fromId: string;
  readonly toId: string;
  readonly bytes: number;
  /** From the first byte sent to the last byte received, ms. */
  readonly transferMs: number;
  /** CPU ms the sender spent encoding and sending, when known. */
  readonly senderCpuMs?: number;
  /** CPU ms the receiver spent assembling, when known. */
  readonly receiverCpuMs?: number;
}

/** A link probe's figures (link-probe.ts). */
export interface LinkMeasurement {
  readonly fromId: string;
  readonly toId: string;
  readonly latencyMs: number;
  readonly bandwidthBytesPerSecond: number;
  /** CPU ms per MB moved at the sender / receiver, when measured. */
  readonly senderCpuMsPerMegabyte?: number;
  readonly receiverCpuMsPerMegabyte?: number;
}

/** Something that changed enough to re-plan for. */
export type CalibrationEvent =
  | { readonly kind: 'node-drift'; readonly nodeId: string; readonly sliceKey: string; readonly backend: string; readonly drift: Drift }
  | { readonly kind: 'link-drift'; readonly fromId: string; readonly toId: string; readonly drift: Drift };

/** Predicted vs measured for one (node, slice, backend), for the Run panel and the lab report. */
export interface PredictionRow {
  readonly nodeId: string;
  readonly sliceKey: string;
  readonly backend: string;
  readonly executions: number;
  /** Prediction before any execution (the measured cost), ms. */
  readonly basePredictedMs: number;
  /** Prediction now (calibrated), ms. */
  readonly predictedMs: number;
  /** Which factor `predictedMs` used. */
  readonly source: 'slice' | 'node' | 'none';
  /** The recent measured wall ms (their geometric centre, as the factors) and busy ms (median). */
  readonly measuredWallMs: number;
  readonly measuredBusyMs: number;
  /** base / measured - 1 and predicted / measured - 1. */
  readonly baseError: number;
  readonly error: number;
}

/** A link's calibrated figures. */
export interface LinkRow extends PlanLink {
  /** Hop samples behind the figures (0 = probe or defaults only). */
  readonly hops: number;
  /** `fit` (sizes varied), `probe-latency` (bandwidth from hops, latency from probe/default), `probe`, `default`. */
  readonly source: 'fit' | 'probe-latency' | 'probe' | 'default';
  /** Median measured transfer ms of the recent hops and what the figures predict for them. */
  readonly measuredMs?: number;
  readonly predictedMs?: number;
}

interface SliceState {
  readonly nodeId: string;
  readonly sliceKey: string;
  readonly backend: string;
  basePredictedMs: number;
  executions: number;
  ratios: number[];
  wallMs: number[];
  busyMs: number[];
  drift: DriftDetector;
}

interface LinkState {
  readonly a: string;
  readonly b: string;
  hops: { bytes: number; ms: number }[];
  probe?: LinkMeasurement;
  drift: DriftDetector;
}

const pairKey = (x: string, y: string) => (x < y ? `${x}\u0000${y}` : `${y}\u0000${x}`);
const push = <T>(list: T[], value: T, max: number) => {
  list.push(value);
  if (list.length > max) list.splice(0, list.length - max);
};

function check(name: string, value: number, allowZero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw new CostInputError(`${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${value}`);
}

/**
 * A calibration's figures as plain JSON: what the coordinator tab keeps across a reload
 * (src/swarm/run-learning.ts). Drift detection is not kept: a restored calibration is read, not
 * fed, and one that is fed again starts its drift references afresh.
 */
export interface CalibrationSnapshot {
  readonly version: 1;
  readonly options: { readonly sliceWindow: number; readonly nodeWindow: number; readonly minSliceSamples: number; readonly linkWindow: number; readonly linkDefaults: LinkEstimate };
  readonly slices: readonly { readonly nodeId: string; readonly sliceKey: string; readonly backend: string; readonly basePredictedMs: number; readonly executions: number; readonly ratios: readonly number[]; readonly wallMs: readonly number[]; readonly busyMs: readonly number[] }[];
  readonly nodes: readonly { readonly nodeId: string; readonly backend: string; readonly ratios: readonly number[] }[];
  readonly links: readonly { readonly a: string; readonly b: string; readonly hops: readonly { readonly bytes: number; readonly ms: number }[]; readonly probe?: LinkMeasurement }[];
  readonly cpu: readonly { readonly nodeId: string; readonly msPerMegabyte: readonly number[] }[];
}

/** Reads a snapshot field by field; every error names the field that is wrong. */
class SnapshotReader {
  constructor(private readonly where: string) {}

  fail(path: string, what: string): never {
    throw new CostInputError(`${this.where}: ${path} ${what}`);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `must be an object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string, max: number): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `must be an array, got ${v === null ? 'null' : typeof v}`);
    if (v.length > max) this.fail(path, `has ${v.length} entries, more than ${max}`);
    return v;
  }

  text(v: unknown, path: string): string {
    if (typeof v !== 'string' || v.length === 0 || v.length > 512) this.fail(path, 'must be a text of 1-512 characters');
    return v;
  }

  number(v: unknown, path: string, allowZero = false): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) this.fail(path, `must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${JSON.stringify(v)}`);
    return v;
  }

  whole(v: unknown, path: string, min: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(path, `must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
    return v;
  }

  numbers(v: unknown, path: string, max: number, allowZero = false): number[] {
    return this.array(v, path, max).map((x, i) => this.number(x, `${path}[${i}]`, allowZero));
  }
}

/** At most this many slices, nodes, links or CPU series a snapshot may hold (a run has a few dozen). */
const SNAPSHOT_MAX_ENTRIES = 4096;

/** The calibration state of one run. */
export class Calibration {
  private readonly o: Required<Omit<CalibrationOptions, 'drift'>> & { drift: DriftOptions };
  private readonly slices = new Map<string, SliceState>();
  private readonly nodes = new Map<string, { ratios: number[] }>();
  private readonly links = new Map<string, LinkState>();
  private readonly cpu = new Map<string, number[]>();

  constructor(options: CalibrationOptions = {}) {
    this.o = { ...CALIBRATION_DEFAULTS, linkDefaults: LAN_LINK_DEFAULTS, drift: {}, ...options };
    for (const k of ['sliceWindow', 'nodeWindow', 'minSliceSamples', 'linkWindow'] as const) {
      if (!Number.isInteger(this.o[k]) || this.o[k] < 1) throw new CostInputError(`${k} must be a whole number >= 1, got ${this.o[k]}`);
    }
    new DriftDetector(this.o.drift); // validates the drift options up front
  }

  /**
   * Feed one execution. Returns a `node-drift` event when this slice's measured/predicted ratio on
   * the node moved for good (drift.ts: median of the last 5 beyond 25% of the reference, more on a
   * noisy stream). Then the samples from before the step are dropped, and the node's other slices
   * on that backend expect the same change (their drift references move with it, so one step
   * fires once per node).
   *
   * @throws CostInputError on non-finite or negative figures
   */
  recordExecution(r: ExecutionRecord): CalibrationEvent[] {
    check('basePredictedMs', r.basePredictedMs);
    check('wallMs', r.wallMs);
    check('busyMs', r.busyMs, true);
    const key = `${r.nodeId}\u0000${r.sliceKey}\u0000${r.backend}`;
    let s = this.slices.get(key);
    if (!s) {
      s = { nodeId: r.nodeId, sliceKey: r.sliceKey, backend: r.backend, basePredictedMs: r.basePredictedMs, executions: 0, ratios: [], wallMs: [], busyMs: [], drift: new DriftDetector(this.o.drift) };
      this.slices.set(key, s);
    }
    s.basePredictedMs = r.basePredictedMs;
    s.executions++;
    const ratio = r.wallMs / r.basePredictedMs;
    push(s.ratios, ratio, this.o.sliceWindow);
    push(s.wallMs, r.wallMs, this.o.sliceWindow);
    push(s.busyMs, r.busyMs, this.o.sliceWindow);
    const nodeKey = `${r.nodeId}\u0000${r.backend}`;
    let n = this.nodes.get(nodeKey);
    if (!n) {
      n = { ratios: [] };
      this.nodes.set(nodeKey, n);
    }
    push(n.ratios, ratio, this.o.nodeWindow);
    const drift = s.drift.add(ratio);
    if (!drift) return [];
    // Keep only the samples since the step (the last floor(window/2)+1 moved the median); the
    // node's other slices are expected to have moved alike: their references follow, their samples go.
    const keep = Math.floor((this.o.drift.window ?? DRIFT_DEFAULTS.window) / 2) + 1;
    n.ratios.splice(0, Math.max(0, n.ratios.length - keep));
    for (const list of [s.ratios, s.wallMs, s.busyMs]) list.splice(0, Math.max(0, list.length - keep));
    for (const other of this.slices.values()) {
      if (other === s || other.nodeId !== r.nodeId || other.backend !== r.backend) continue;
      for (const list of [other.ratios, other.wallMs, other.busyMs]) list.length = 0;
      other.drift.rebase(drift.to / drift.from);
    }
    return [{ kind: 'node-drift', nodeId: r.nodeId, sliceKey: r.sliceKey, backend: r.backend, drift }];
  }

  /** Measured / predicted factor of a node on a backend (1 before any execution). */
  nodeFactor(nodeId: string, backend: string): number {
    const n = this.nodes.get(`${nodeId}\u0000${backend}`);
    return n && n.ratios.length > 0 ? geometricCentre(n.ratios) : 1;
  }

  /** Whether the node has a factor on the backend (an execution fed since its last drift). */
  private hasNodeFactor(nodeId: string, backend: string): boolean {
    return (this.nodes.get(`${nodeId}\u0000${backend}`)?.ratios.length ?? 0) > 0;
  }

  /** Measured / predicted factor of one slice on a node, once it has `minSliceSamples` samples. */
  sliceFactor(nodeId: string, sliceKey: string, backend: string): number | undefined {
    const s = this.slices.get(`${nodeId}\u0000${sliceKey}\u0000${backend}`);
    return s && s.ratios.length >= this.o.minSliceSamples ? geometricCentre(s.ratios) : undefined;
  }

  /** Calibrated prediction of a slice on a node from its base (measured-cost) prediction. */
  predictMs(nodeId: string, sliceKey: string, backend: string, basePredictedMs: number): { readonly ms: number; readonly source: PredictionRow['source'] } {
    check('basePredictedMs', basePredictedMs);
    const f = this.sliceFactor(nodeId, sliceKey, backend);
    if (f !== undefined) return { ms: basePredictedMs * f, source: 'slice' };
    if (this.hasNodeFactor(nodeId, backend)) return { ms: basePredictedMs * this.nodeFactor(nodeId, backend), source: 'node' };
    return { ms: basePredictedMs, source: 'none' };
  }

  /**
   * The node's cost corrected by its factor f: every rate / f, fixed ms x f, labelled `calibrated`
   * (the measured cost unchanged while the node has run nothing).
   */
  calibratedCost(nodeId: string, backend: string, measured: BackendCost): BackendCost {
    if (!this.hasNodeFactor(nodeId, backend)) return measured;
    const f = this.nodeFactor(nodeId, backend);
    const rates = Object.fromEntries(OP_CLASSES.map((c) => [c, measured.flopsPerSecondByOpClass[c] / f])) as Record<OpClass, number>;
    return { flopsPerSecondByOpClass: rates, fixedMsPerRun: measured.fixedMsPerRun * f, label: 'calibrated' };
  }

  /** Predicted vs measured per (node, slice, backend), in first-seen order. */
  rows(): PredictionRow[] {
    return [...this.slices.values()].filter((s) => s.wallMs.length > 0).map((s) => {
      const p = this.predictMs(s.nodeId, s.sliceKey, s.backend, s.basePredictedMs);
      const wall = geometricCentre(s.wallMs);
      return {
        nodeId: s.nodeId, sliceKey: s.sliceKey, backend: s.backend, executions: s.executions,
        basePredictedMs: s.basePredictedMs, predictedMs: p.ms, source: p.source,
        measuredWallMs: wall, measuredBusyMs: median(s.busyMs),
        baseError: s.basePredictedMs / wall - 1, error: p.ms / wall - 1,
      };
    });
  }

  private link(fromId: string, toId: string): LinkState {
    const key = pairKey(fromId, toId);
    let l = this.links.get(key);
    if (!l) {
      l = { a: fromId < toId ? fromId : toId, b: fromId < toId ? toId : fromId, hops: [], drift: new DriftDetector(this.o.drift) };
      this.links.set(key, l);
    }
    return l;
  }

  private cpuSample(nodeId: string, cpuMs: number, bytes: number): void {
    let list = this.cpu.get(nodeId);
    if (!list) this.cpu.set(nodeId, (list = []));
    push(list, cpuMs / (bytes / 1e6), this.o.linkWindow);
  }

  /** Feed a link probe's result (link-probe.ts). */
  recordLinkProbe(m: LinkMeasurement): void {
    check('latencyMs', m.latencyMs, true);
    check('bandwidthBytesPerSecond', m.bandwidthBytesPerSecond);
    const l = this.link(m.fromId, m.toId);
    l.probe = m;
    if (m.senderCpuMsPerMegabyte !== undefined) this.cpuSample(m.fromId, m.senderCpuMsPerMegabyte, 1e6);
    if (m.receiverCpuMsPerMegabyte !== undefined) this.cpuSample(m.toId, m.receiverCpuMsPerMegabyte, 1e6);
  }

  /**
   * Feed one hop. Returns a `link-drift` event when the link's effective bandwidth moved for good.
   *
   * @throws CostInputError on non-finite or negative figures
   */
  recordHop(h: HopRecord): CalibrationEvent[] {
    check('bytes', h.bytes);
    check('transferMs', h.transferMs);
    const l = this.link(h.fromId, h.toId);
    push(l.hops, { bytes: h.bytes, ms: h.transferMs }, this.o.linkWindow);
    if (h.senderCpuMs !== undefined) this.cpuSample(h.fromId, h.senderCpuMs, h.bytes);
    if (h.receiverCpuMs !== undefined) this.cpuSample(h.toId, h.receiverCpuMs, h.bytes);
    const latency = l.probe?.latencyMs ?? this.o.linkDefaults.latencyMs;
    const drift = l.drift.add(h.bytes / Math.max(h.transferMs - latency, 0.05 * h.transferMs));
    if (!drift) return [];
    const keep = Math.floor((this.o.drift.window ?? DRIFT_DEFAULTS.window) / 2) + 1;
    l.hops.splice(0, Math.max(0, l.hops.length - keep));
    return [{ kind: 'link-drift', fromId: h.fromId, toId: h.toId, drift }];
  }

  /** Calibrated figures of the link between two endpoints (symmetric). */
  linkRow(fromId: string, toId: string): LinkRow {
    const l = this.links.get(pairKey(fromId, toId));
    const base = { fromId, toId };
    if (!l) return { ...base, ...this.o.linkDefaults, hops: 0, source: 'default' };
    if (l.hops.length === 0) {
      return l.probe
        ? { ...base, latencyMs: l.probe.latencyMs, bandwidthBytesPerSecond: l.probe.bandwidthBytesPerSecond, hops: 0, source: 'probe' }
        : { ...base, ...this.o.linkDefaults, hops: 0, source: 'default' };
    }
    const sizes = l.hops.map((h) => h.bytes);
    let latencyMs: number, bandwidth: number, source: LinkRow['source'];
    const fit = Math.max(...sizes) >= 1.5 * Math.min(...sizes) ? leastSquares(l.hops) : undefined;
    if (fit && fit.msPerByte > 0 && fit.interceptMs >= 0) {
      latencyMs = fit.interceptMs;
      bandwidth = 1000 / fit.msPerByte;
      source = 'fit';
    } else {
      latencyMs = l.probe?.latencyMs ?? this.o.linkDefaults.latencyMs;
      bandwidth = median(l.hops.map((h) => (1000 * h.bytes) / Math.max(h.ms - latencyMs, 0.05 * h.ms)));
      source = 'probe-latency';
    }
    const measuredMs = median(l.hops.map((h) => h.ms));
    const predictedMs = median(l.hops.map((h) => latencyMs + (1000 * h.bytes) / bandwidth));
    return { ...base, latencyMs, bandwidthBytesPerSecond: bandwidth, hops: l.hops.length, source, measuredMs, predictedMs };
  }

  /** Every link seen (probe or hops), as the planner's `PlanInputs.links`. */
  planLinks(): PlanLink[] {
    return [...this.links.values()].map((l) => {
      const r = this.linkRow(l.a, l.b);
      return { fromId: l.a, toId: l.b, bandwidthBytesPerSecond: r.bandwidthBytesPerSecond, latencyMs: r.latencyMs };
    });
  }

  /** Every link's row, for display. */
  linkRows(): LinkRow[] {
    return [...this.links.values()].map((l) => this.linkRow(l.a, l.b));
  }

  /** CPU ms a node spends per MB it sends or receives (median of recent samples), when measured. */
  cpuMsPerMegabyte(nodeId: string): number | undefined {
    const list = this.cpu.get(nodeId);
    return list && list.length > 0 ? median(list) : undefined;
  }

  /** The figures as plain JSON ({@link CalibrationSnapshot}); {@link Calibration.restore} reads it back. */
  snapshot(): CalibrationSnapshot {
    const { sliceWindow, nodeWindow, minSliceSamples, linkWindow, linkDefaults } = this.o;
    return {
      version: 1,
      options: { sliceWindow, nodeWindow, minSliceSamples, linkWindow, linkDefaults: { latencyMs: linkDefaults.latencyMs, bandwidthBytesPerSecond: linkDefaults.bandwidthBytesPerSecond } },
      slices: [...this.slices.values()].map((x) => ({ nodeId: x.nodeId, sliceKey: x.sliceKey, backend: x.backend, basePredictedMs: x.basePredictedMs, executions: x.executions, ratios: [...x.ratios], wallMs: [...x.wallMs], busyMs: [...x.busyMs] })),
      nodes: [...this.nodes].map(([key, n]) => {
        const cut = key.lastIndexOf('\u0000');
        return { nodeId: key.slice(0, cut), backend: key.slice(cut + 1), ratios: [...n.ratios] };
      }),
      links: [...this.links.values()].map((l) => ({ a: l.a, b: l.b, hops: l.hops.map((h) => ({ ...h })), ...(l.probe ? { probe: { ...l.probe } } : {}) })),
      cpu: [...this.cpu].map(([nodeId, list]) => ({ nodeId, msPerMegabyte: [...list] })),
    };
  }

  /**
   * A calibration with the figures of a {@link CalibrationSnapshot}: it predicts exactly as the
   * one that was saved.
   *
   * @throws CostInputError naming the first field that is missing, of the wrong kind, out of
   *   bounds, or longer than its window
   */
  static restore(value: unknown, where = 'calibration snapshot'): Calibration {
    const r = new SnapshotReader(where);
    const v = r.object(value, 'snapshot');
    if (v.version !== 1) r.fail('version', `must be 1, got ${JSON.stringify(v.version)}`);
    const o = r.object(v.options, 'options');
    const defaults = r.object(o.linkDefaults, 'options.linkDefaults');
    const c = new Calibration({
      sliceWindow: r.whole(o.sliceWindow, 'options.sliceWindow', 1),
      nodeWindow: r.whole(o.nodeWindow, 'options.nodeWindow', 1),
      minSliceSamples: r.whole(o.minSliceSamples, 'options.minSliceSamples', 1),
      linkWindow: r.whole(o.linkWindow, 'options.linkWindow', 1),
      linkDefaults: { latencyMs: r.number(defaults.latencyMs, 'options.linkDefaults.latencyMs', true), bandwidthBytesPerSecond: r.number(defaults.bandwidthBytesPerSecond, 'options.linkDefaults.bandwidthBytesPerSecond') },
    });
    r.array(v.slices, 'slices', SNAPSHOT_MAX_ENTRIES).forEach((x, i) => {
      const at = `slices[${i}]`;
      const e = r.object(x, at);
      const s: SliceState = {
        nodeId: r.text(e.nodeId, `${at}.nodeId`), sliceKey: r.text(e.sliceKey, `${at}.sliceKey`), backend: r.text(e.backend, `${at}.backend`),
        basePredictedMs: r.number(e.basePredictedMs, `${at}.basePredictedMs`), executions: r.whole(e.executions, `${at}.executions`, 0),
        ratios: r.numbers(e.ratios, `${at}.ratios`, c.o.sliceWindow), wallMs: r.numbers(e.wallMs, `${at}.wallMs`, c.o.sliceWindow), busyMs: r.numbers(e.busyMs, `${at}.busyMs`, c.o.sliceWindow, true),
        drift: new DriftDetector(c.o.drift),
      };
      c.slices.set(`${s.nodeId}\u0000${s.sliceKey}\u0000${s.backend}`, s);
    });
    r.array(v.nodes, 'nodes', SNAPSHOT_MAX_ENTRIES).forEach((x, i) => {
      const e = r.object(x, `nodes[${i}]`);
      c.nodes.set(`${r.text(e.nodeId, `nodes[${i}].nodeId`)}\u0000${r.text(e.backend, `nodes[${i}].backend`)}`, { ratios: r.numbers(e.ratios, `nodes[${i}].ratios`, c.o.nodeWindow) });
    });
    r.array(v.links, 'links', SNAPSHOT_MAX_ENTRIES).forEach((x, i) => {
      const at = `links[${i}]`;
      const e = r.object(x, at);
      const a = r.text(e.a, `${at}.a`), b = r.text(e.b, `${at}.b`);
      const hops = r.array(e.hops, `${at}.hops`, c.o.linkWindow).map((h, k) => {
        const hop = r.object(h, `${at}.hops[${k}]`);
        return { bytes: r.number(hop.bytes, `${at}.hops[${k}].bytes`), ms: r.number(hop.ms, `${at}.hops[${k}].ms`) };
      });
      let probe: LinkMeasurement | undefined;
      if (e.probe !== undefined) {
        const p = r.object(e.probe, `${at}.probe`);
        const cpu = (k: 'senderCpuMsPerMegabyte' | 'receiverCpuMsPerMegabyte') => (p[k] === undefined ? {} : { [k]: r.number(p[k], `${at}.probe.${k}`, true) });
        probe = {
          fromId: r.text(p.fromId, `${at}.probe.fromId`), toId: r.text(p.toId, `${at}.probe.toId`),
          latencyMs: r.number(p.latencyMs, `${at}.probe.latencyMs`, true), bandwidthBytesPerSecond: r.number(p.bandwidthBytesPerSecond, `${at}.probe.bandwidthBytesPerSecond`),
          ...cpu('senderCpuMsPerMegabyte'), ...cpu('receiverCpuMsPerMegabyte'),
        };
      }
      c.links.set(pairKey(a, b), { a: a < b ? a : b, b: a < b ? b : a, hops, ...(probe ? { probe } : {}), drift: new DriftDetector(c.o.drift) });
    });
    r.array(v.cpu, 'cpu', SNAPSHOT_MAX_ENTRIES).forEach((x, i) => {
      const e = r.object(x, `cpu[${i}]`);
      c.cpu.set(r.text(e.nodeId, `cpu[${i}].nodeId`), r.numbers(e.msPerMegabyte, `cpu[${i}].msPerMegabyte`, c.o.linkWindow, true));
    });
    return c;
  }
}

/** Least squares ms = intercept + slope x bytes. */
function leastSquares(points: readonly { bytes: number; ms: number }[]): { interceptMs: number; msPerByte: number } | undefined {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.bytes, 0) / n;
  const my = points.reduce((a, p) => a + p.ms, 0) / n;
  let sxx = 0, sxy = 0;
  for (const p of points) {
    sxx += (p.bytes - mx) ** 2;
    sxy += (p.bytes - mx) * (p.ms - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { interceptMs: my - slope * mx, msPerByte: slope };
}
