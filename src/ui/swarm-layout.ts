/**
 * Where things go in the swarm picture (ce-swarm-view.ts), pure and deterministic: the coordinator
 * at the left, one column per pipeline stage (slice k of every pipeline in column k), nodes the plan
 * does not use in a last "waiting" column, each column's nodes spread evenly top to bottom in the
 * order given. Pipelines are polylines coordinator -> stage nodes -> back to the coordinator below the
 * cards; hops run edge to edge and carry the measured stream rates. Nodes that are gone are not drawn (their leave is an event).
 */
import { COORDINATOR_ID, type Placement } from '../plan/plan-types';

/** One node as the picture shows it. */
export interface SwarmNodeView {
  readonly nodeId: string;
  readonly name: string;
  /** `phone`, `tablet`, `laptop`, `desktop`, `unknown`. */
  readonly deviceClass: string;
  readonly state: 'joining' | 'benchmarking' | 'ready' | 'gone' | 'quarantined';
  readonly gramsCo2PerKwh: number;
  /** Grid zone, e.g. `FR`. */
  readonly intensityZone: string;
  /** Set by hand (what-if zones): labelled `configured`. */
  readonly intensityConfigured: boolean;
  /** Share of the room's busy time over the run so far, [0, 1]. */
  readonly busyShare: number;
  readonly simulated?: boolean;
}

/** A tensor stream between two endpoints (`coordinator` or node ids) with its measured rate. */
export interface SwarmStreamView {
  readonly fromId: string;
  readonly toId: string;
  readonly bytesPerSecond: number;
}

/** Something that happened: drawn as a line that fades with age. */
export interface SwarmEventView {
  /** ms on the same clock as the element's `nowMs`. */
  readonly atMs: number;
  readonly kind: 'join' | 'leave' | 'replan' | 'quarantine' | 'deployed' | 'error' | 'info';
  readonly text: string;
}

/** The presenter strip's big numbers. */
export interface PresenterFigures {
  readonly inferencesDone: number;
  /** Planned inferences of the run (0 when unknown). */
  readonly inferencesTotal: number;
  /** gCO2 of the run so far (ledger total). */
  readonly gramsCo2SoFar: number;
  /** gCO2 saved so far against `savedAgainst` (baseline - run); null before there is a baseline. */
  readonly gramsCo2Saved: number | null;
  /** Name of the baseline, e.g. `the whole model on the fastest node (Laptop-A)`. */
  readonly savedAgainst: string;
}

/** A placed node. */
export interface LaidOutNode extends SwarmNodeView {
  readonly x: number;
  readonly y: number;
  /** Stage column (0-based), or -1 for the waiting column. */
  readonly column: number;
  /** `slice 2 [40,100)` for each slice it runs (`p2 slice 1 ...` when several pipelines). */
  readonly slices: readonly string[];
}

/** A pipeline as a path. */
export interface LaidOutPath {
  readonly pipeline: number;
  readonly share: number;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** A hop of a pipeline with its stream rate (null when no stream was reported). */
export interface LaidOutHop {
  readonly fromId: string;
  readonly toId: string;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly bytesPerSecond: number | null;
}

/** The whole picture. */
export interface SwarmLayout {
  readonly width: number;
  readonly height: number;
  readonly coordinator: { readonly x: number; readonly y: number };
  readonly nodes: readonly LaidOutNode[];
  readonly paths: readonly LaidOutPath[];
  readonly hops: readonly LaidOutHop[];
}

/** Picture geometry, in SVG user units. */
export const SWARM_GEOMETRY = { columnWidth: 340, rowHeight: 150, left: 190, top: 70, bottomPad: 90, minHeight: 360, cardWidth: 230, cardHeight: 104, coordinatorWidth: 140 } as const;

/** Lay out `nodes` and the pipelines of `placement` (see the file comment). */
export function layoutSwarm(nodes: readonly SwarmNodeView[], placement: Placement | null, streams: readonly SwarmStreamView[] = []): SwarmLayout {
  const g = SWARM_GEOMETRY;
  const shown = nodes.filter((n) => n.state !== 'gone');
  const pipelines = placement?.pipelines ?? [];
  const columnOf = new Map<string, number>();
  const slices = new Map<string, string[]>();
  pipelines.forEach((p, pi) => p.slices.forEach((s, si) => {
    if (!columnOf.has(s.nodeId)) columnOf.set(s.nodeId, si);
    const text = `${pipelines.length > 1 ? `p${pi + 1} ` : ''}slice ${si + 1} [${s.sliceRange[0]},${s.sliceRange[1]})`;
    slices.set(s.nodeId, [...(slices.get(s.nodeId) ?? []), text]);
  }));
  const stageCount = Math.max(0, ...pipelines.map((p) => p.slices.length));
  const waiting = shown.some((n) => !columnOf.has(n.nodeId));
  const columns: SwarmNodeView[][] = Array.from({ length: stageCount + (waiting ? 1 : 0) }, () => []);
  for (const n of shown) columns[columnOf.get(n.nodeId) ?? stageCount]!.push(n);
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const height = Math.max(g.minHeight, g.top + tallest * g.rowHeight + g.bottomPad);
  const width = g.left + Math.max(1, columns.length) * g.columnWidth + 40;
  const middle = (g.top + height - g.bottomPad) / 2;
  const coordinator = { x: 20 + g.coordinatorWidth / 2, y: middle };
  const laid: LaidOutNode[] = [];
  columns.forEach((col, ci) => {
    const x = g.left + ci * g.columnWidth + g.columnWidth / 2;
    const span = col.length * g.rowHeight;
    col.forEach((n, k) => {
      laid.push({ ...n, x, y: middle - span / 2 + g.rowHeight * (k + 0.5), column: ci === stageCount ? -1 : ci, slices: slices.get(n.nodeId) ?? [] });
    });
  });
  const at = new Map(laid.map((n) => [n.nodeId, { x: n.x, y: n.y }]));
  at.set(COORDINATOR_ID, coordinator);
  const rate = new Map(streams.map((s) => [`${s.fromId}>${s.toId}`, s.bytesPerSecond]));
  const paths: LaidOutPath[] = [];
  const hops: LaidOutHop[] = [];
  const seenHop = new Set<string>();
  pipelines.forEach((p, pi) => {
    // A pipeline through a node that is gone is not drawn: a re-plan is on its way.
    if (p.slices.some((s) => !at.has(s.nodeId))) return;
    // Out through the stage nodes, then back to the coordinator below every card (visible, not
    // hidden behind the cards it would cross).
    const stops = p.slices.map((s) => at.get(s.nodeId)!);
    const lastStop = stops[stops.length - 1]!;
    const below = Math.max(...laid.map((n) => n.y)) + g.cardHeight / 2 + 16 + 10 * pi;
    const points = [coordinator, ...stops, { x: lastStop.x, y: below }, { x: coordinator.x, y: below }, coordinator];
    paths.push({ pipeline: pi, share: p.share, points });
    for (const h of p.hops) {
      const key = `${h.fromId}>${h.toId}`;
      if (seenHop.has(key)) continue;
      seenHop.add(key);
      const a = at.get(h.fromId);
      const b = at.get(h.toId);
      if (!a || !b) continue;
      // From the sender's right edge to the receiver's left edge (the coordinator's, for results).
      const half = (id: string) => (id === COORDINATOR_ID ? g.coordinatorWidth / 2 : g.cardWidth / 2);
      const forward = b.x >= a.x;
      if (!forward && h.toId === COORDINATOR_ID) {
        // Results travel back along the return path below the cards: a straight line would cross
        // every card and its label would sit on the forward hops' labels.
        hops.push({ fromId: h.fromId, toId: h.toId, x1: a.x, y1: below, x2: b.x, y2: below, bytesPerSecond: rate.get(key) ?? null });
        continue;
      }
      hops.push({ fromId: h.fromId, toId: h.toId, x1: a.x + (forward ? half(h.fromId) : -half(h.fromId)), y1: a.y, x2: b.x + (forward ? -half(h.toId) : half(h.toId)), y2: b.y, bytesPerSecond: rate.get(key) ?? null });
    }
  });
  return { width, height, coordinator, nodes: laid, paths, hops };
}

/**
 * Fill colour for an intensity: green at <= 100 gCO2/kWh, amber at 400, red at >= 700 (linear in
 * between), the same scale on every page so a colour means the same grid everywhere.
 */
export function intensityColour(gramsCo2PerKwh: number): string {
  if (!Number.isFinite(gramsCo2PerKwh)) return '#9e9e9e';
  const stops: [number, [number, number, number]][] = [[100, [46, 125, 50]], [400, [249, 168, 37]], [700, [198, 40, 40]]];
  const v = Math.min(700, Math.max(100, gramsCo2PerKwh));
  const k = v <= 400 ? 0 : 1;
  const [x0, c0] = stops[k]!;
  const [x1, c1] = stops[k + 1]!;
  const t = (v - x0) / (x1 - x0);
  const hex = c0.map((c, i) => Math.round(c + t * (c1[i]! - c)).toString(16).padStart(2, '0')).join('');
  return `#${hex}`;
}

/** Opacity of an event line `ageMs` old: 1 when new, fading linearly to 0.15 at `fadeMs`. */
export function eventOpacity(ageMs: number, fadeMs = 20_000): number {
  if (!(ageMs > 0)) return 1;
  return Math.max(0.15, 1 - (ageMs / fadeMs) * 0.85);
}
