/**
 * One run as the history keeps it (issue 14, "History"): what was asked (configuration), what the
 * planner chose (plan and re-plans), who took part (nodes with their NAMES and profiles), what came
 * back (per-request results), what it cost (the ledger's rows, with every provenance field), and
 * the same work done by named baselines. Totals are never stored: they are sums of the stored rows
 * (run-totals.ts), so the history, the page and every export show the same figures by construction.
 *
 * Pure types plus {@link parseRunRecord}, which checks a record read from a file or from storage
 * (data is `unknown` until checked) and names the first bad field.
 */
import type { RunSettings } from '../swarm/run-session';
import type { LedgerRow } from '../carbon/ledger';
import type { Placement, PlanConstraints, PlanWeights } from '../plan/plan-types';
import { checkLedgerRow, checkPlacement, HistoryFormatError, isRecord, optionalNumber, optionalString, requireArray, requireNumber, requireString } from './record-checks';

export { HistoryFormatError } from './record-checks';

/** Format tag of a {@link RunRecord}. */
export const RUN_RECORD_FORMAT = 'carbonedge-run/1';

/**
 * What the user asked for: the run loop's settings (src/swarm/run-session.ts), with a label for
 * comparisons (e.g. `split3-green`, compare modes). `mode` may hold the lab's or compare's label.
 */
export type RunConfiguration = Omit<RunSettings, 'mode'> & { readonly mode: string; readonly label?: string };

/** A node as it took part: identity, measured speed, power and intensity with provenance. */
export interface RunNode {
  readonly nodeId: string;
  /** The name the user gave the node (shown everywhere instead of its id). */
  readonly name: string;
  /** `phone`, `tablet`, `laptop`, `desktop`. */
  readonly deviceClass: string;
  readonly simulated: boolean;
  /** Fastest measured backend, FLOP/s (0 before a benchmark). */
  readonly flopsPerSecond: number;
  readonly idleWatts: number;
  readonly maxWatts: number;
  /** `estimated`, `configured`, ... (the power model's label). */
  readonly powerLabel: string;
  readonly gramsCo2PerKwh: number;
  /** Grid zone, e.g. `FR`, `WORLD`. */
  readonly intensityZone: string;
  /** Where the intensity came from, e.g. `bundled-ember`, `configured`. */
  readonly intensitySource: string;
  /** Whether the intensity was set by hand (a what-if zone): shown as configured everywhere. */
  readonly intensityConfigured: boolean;
}

/** One request's outcome. */
export interface RunRequest {
  readonly requestId: number;
  readonly ok: boolean;
  /** Send to result, ms; null when it failed. */
  readonly latencyMs: number | null;
  readonly attempts: number;
  /** Pipeline that answered; null when it failed. */
  readonly pipeline: number | null;
  /** Why it failed; null when it succeeded. */
  readonly reason: string | null;
  /** A node the audits quarantined contributed to this result (absent = not known to be). */
  readonly suspect?: true;
}

/** Something that happened during the run (deployed, re-planned, node left, quarantined...). */
export interface RunEventEntry {
  /** ms since the run started. */
  readonly atMs: number;
  readonly kind: string;
  readonly text: string;
}

/** The same work done another way, estimated from the node profiles and the plan model. */
export interface BaselineFigure {
  /** Stable key: `fastest-node`, `coordinator`, `paper-green`. */
  readonly key: string;
  /** Human name, e.g. `whole model on the fastest node (Laptop-A)`. */
  readonly label: string;
  /** Per inference. */
  readonly energyJoulesPerInference: number;
  readonly gramsCo2PerInference: number;
  readonly latencyMsPerInference: number;
  /** How it was obtained, in the ledger's words: `estimated (planner model; power estimated; intensity bundled-ember WORLD)`. */
  readonly provenance: string;
}

/** The ledger of the run: its settings and every row. */
export interface RunLedger {
  readonly networkJoulesPerByte: number;
  readonly embodiedEnabled: boolean;
  readonly rows: readonly LedgerRow[];
}

/** A run kept in the history. */
export interface RunRecord {
  readonly format: typeof RUN_RECORD_FORMAT;
  /** Unique id, e.g. `run-2026-12-03T08-04-31-k3x9` ({@link newRunId}). */
  readonly id: string;
  /** ISO 8601 start time. */
  readonly startedAt: string;
  /** ISO 8601 end time; null while running. */
  readonly finishedAt: string | null;
  readonly status: 'running' | 'done' | 'stopped' | 'failed';
  /** Why it failed or stopped; null otherwise. */
  readonly error: string | null;
  readonly configuration: RunConfiguration;
  /** The first deployed placement; null when planning failed. */
  readonly plan: Placement | null;
  /** Placements after re-plans, in order. */
  readonly replans: readonly { readonly atMs: number; readonly reason: string; readonly plan: Placement | null }[];
  readonly nodes: readonly RunNode[];
  readonly requests: readonly RunRequest[];
  readonly ledger: RunLedger;
  readonly baselines: readonly BaselineFigure[];
  readonly events: readonly RunEventEntry[];
}

/** `run-2026-12-03T08-04-31-k3x9`: the start time (sortable) plus 4 random base-36 characters. */
export function newRunId(startedAt: Date, random: () => number = Math.random): string {
  const stamp = startedAt.toISOString().slice(0, 19).replace(/:/g, '-');
  const tail = Array.from({ length: 4 }, () => Math.floor(random() * 36).toString(36)).join('');
  return `run-${stamp}-${tail}`;
}

/**
 * Node id -> display name for a record. Two nodes may carry the same name (two tabs called
 * "laptop"): the second becomes `laptop #2`, so figures per name never merge two devices.
 */
export function nodeNames(record: Pick<RunRecord, 'nodes'>): Readonly<Record<string, string>> {
  const seen = new Map<string, number>();
  const out: Record<string, string> = {};
  for (const n of record.nodes) {
    const k = (seen.get(n.name) ?? 0) + 1;
    seen.set(n.name, k);
    out[n.nodeId] = k === 1 ? n.name : `${n.name} #${k}`;
  }
  return out;
}

/** `[0,50)@Laptop-A > [50,100)@Phone-B` per pipeline, pipelines joined by ` | `. */
export function describePlan(plan: Placement | null, names: Readonly<Record<string, string>>): string {
  if (!plan) return '';
  return plan.pipelines.map((p) => p.slices.map((s) => `[${s.sliceRange[0]},${s.sliceRange[1]})@${names[s.nodeId] ?? s.nodeId}`).join(' > ')).join(' | ');
}

/** A short title: `mobilenetv2, balanced, planner decides` or `..., 3 slices`. */
export function runTitle(record: Pick<RunRecord, 'configuration'>): string {
  const c = record.configuration;
  const how = c.weights ? `weights L${c.weights.latency} E${c.weights.energy} C${c.weights.carbon}` : c.mode;
  const slices = c.pin?.length ? `pinned on ${c.pin.join(' > ')}` : c.stages === 0 ? 'planner decides' : `${c.stages} slices`;
  return `${c.label ? `${c.label}: ` : ''}${c.model}, ${how}, ${slices}`;
}

const STATUSES = ['running', 'done', 'stopped', 'failed'] as const;

function parseConfiguration(value: unknown, path: string): RunConfiguration {
  if (!isRecord(value)) throw new HistoryFormatError(`${path}: expected an object`);
  const weights = value.weights;
  if (weights !== undefined) {
    if (!isRecord(weights)) throw new HistoryFormatError(`${path}.weights: expected an object`);
    for (const k of ['latency', 'energy', 'carbon']) requireNumber(weights, k, `${path}.weights`);
  }
  requireString(value, 'model', path);
  requireString(value, 'mode', path);
  for (const k of ['stages', 'inferences', 'ratePerSecond', 'seed']) requireNumber(value, k, path);
  optionalString(value, 'label', path);
  optionalNumber(value, 'window', path);
  if (value.pin !== undefined) requireArray(value, 'pin', path).forEach((p, i) => { if (typeof p !== 'string') throw new HistoryFormatError(`${path}.pin[${i}]: expected a string, got ${JSON.stringify(p)}`); });
  return value as unknown as RunConfiguration;
}

function parseNode(value: unknown, path: string): RunNode {
  if (!isRecord(value)) throw new HistoryFormatError(`${path}: expected an object`);
  for (const k of ['nodeId', 'name', 'deviceClass', 'powerLabel', 'intensityZone', 'intensitySource']) requireString(value, k, path);
  for (const k of ['flopsPerSecond', 'idleWatts', 'maxWatts', 'gramsCo2PerKwh']) requireNumber(value, k, path);
  for (const k of ['simulated', 'intensityConfigured']) if (typeof value[k] !== 'boolean') throw new HistoryFormatError(`${path}.${k}: expected true or false, got ${JSON.stringify(value[k])}`);
  return value as unknown as RunNode;
}

function parseRequest(value: unknown, path: string): RunRequest {
  if (!isRecord(value)) throw new HistoryFormatError(`${path}: expected an object`);
  requireNumber(value, 'requestId', path);
  requireNumber(value, 'attempts', path);
  if (typeof value.ok !== 'boolean') throw new HistoryFormatError(`${path}.ok: expected true or false, got ${JSON.stringify(value.ok)}`);
  for (const k of ['latencyMs', 'pipeline']) if (value[k] !== null) requireNumber(value, k, path);
  if (value.reason !== null) requireString(value, 'reason', path);
  if (value.suspect !== undefined && value.suspect !== true) throw new HistoryFormatError(`${path}.suspect: expected true or absent, got ${JSON.stringify(value.suspect)}`);
  return value as unknown as RunRequest;
}

function parseBaseline(value: unknown, path: string): BaselineFigure {
  if (!isRecord(value)) throw new HistoryFormatError(`${path}: expected an object`);
  for (const k of ['key', 'label', 'provenance']) requireString(value, k, path);
  for (const k of ['energyJoulesPerInference', 'gramsCo2PerInference', 'latencyMsPerInference']) requireNumber(value, k, path);
  return value as unknown as BaselineFigure;
}

/**
 * Check `value` is a {@link RunRecord}; returns it typed, or throws {@link HistoryFormatError}
 * naming the first bad field (`runs[2].ledger.rows[14].energyJoules: expected a finite number, got "abc"`).
 */
export function parseRunRecord(value: unknown, path = 'run'): RunRecord {
  if (!isRecord(value)) throw new HistoryFormatError(`${path}: expected an object, got ${value === null ? 'null' : typeof value}`);
  if (value.format !== RUN_RECORD_FORMAT) throw new HistoryFormatError(`${path}.format: expected "${RUN_RECORD_FORMAT}", got ${JSON.stringify(value.format)}`);
  requireString(value, 'id', path);
  const started = requireString(value, 'startedAt', path);
  if (Number.isNaN(Date.parse(started))) throw new HistoryFormatError(`${path}.startedAt: not a date: ${JSON.stringify(started)}`);
  if (value.finishedAt !== null) requireString(value, 'finishedAt', path);
  if (!STATUSES.includes(value.status as (typeof STATUSES)[number])) throw new HistoryFormatError(`${path}.status: expected one of ${STATUSES.join(', ')}, got ${JSON.stringify(value.status)}`);
  if (value.error !== null) requireString(value, 'error', path);
  parseConfiguration(value.configuration, `${path}.configuration`);
  if (value.plan !== null) checkPlacement(value.plan, `${path}.plan`);
  requireArray(value, 'replans', path).forEach((r, i) => {
    const p = `${path}.replans[${i}]`;
    if (!isRecord(r)) throw new HistoryFormatError(`${p}: expected an object`);
    requireNumber(r, 'atMs', p);
    requireString(r, 'reason', p);
    if (r.plan !== null) checkPlacement(r.plan, `${p}.plan`);
  });
  requireArray(value, 'nodes', path).forEach((n, i) => parseNode(n, `${path}.nodes[${i}]`));
  requireArray(value, 'requests', path).forEach((r, i) => parseRequest(r, `${path}.requests[${i}]`));
  const ledger = value.ledger;
  if (!isRecord(ledger)) throw new HistoryFormatError(`${path}.ledger: expected an object`);
  requireNumber(ledger, 'networkJoulesPerByte', `${path}.ledger`);
  if (typeof ledger.embodiedEnabled !== 'boolean') throw new HistoryFormatError(`${path}.ledger.embodiedEnabled: expected true or false`);
  const rows = requireArray(ledger, 'rows', `${path}.ledger`);
  rows.forEach((r, i) => checkLedgerRow(r, `${path}.ledger.rows[${i}]`));
  const kinds = new Set(rows.map((r) => (r as LedgerRow).intensityKind));
  if (kinds.size > 1) throw new HistoryFormatError(`${path}.ledger.rows: mix ${[...kinds].join(' and ')} intensities (a ledger holds one kind)`);
  requireArray(value, 'baselines', path).forEach((b, i) => parseBaseline(b, `${path}.baselines[${i}]`));
  requireArray(value, 'events', path).forEach((e, i) => {
    const p = `${path}.events[${i}]`;
    if (!isRecord(e)) throw new HistoryFormatError(`${p}: expected an object`);
    requireNumber(e, 'atMs', p);
    requireString(e, 'kind', p);
    requireString(e, 'text', p);
  });
  return value as unknown as RunRecord;
}
