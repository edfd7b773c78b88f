/**
 * Field checks for data read back from a file or from IndexedDB (unknown until checked): each
 * throws {@link HistoryFormatError} with the path of the field and what was found, so a bad import
 * says exactly where the file is wrong.
 */
import { LEDGER_COLUMNS } from '../carbon/ledger-export';

/** A history file or stored record is not what it claims to be. */
export class HistoryFormatError extends Error {
  override name = 'HistoryFormatError';
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const shown = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v));

/** `obj[key]` as a finite number. */
export function requireNumber(obj: Record<string, unknown>, key: string, path: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new HistoryFormatError(`${path}.${key}: expected a finite number, got ${shown(v)}`);
  return v;
}

/** `obj[key]` as a string. */
export function requireString(obj: Record<string, unknown>, key: string, path: string): string {
  const v = obj[key];
  if (typeof v !== 'string') throw new HistoryFormatError(`${path}.${key}: expected a string, got ${shown(v)}`);
  return v;
}

/** `obj[key]` as an array. */
export function requireArray(obj: Record<string, unknown>, key: string, path: string): unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new HistoryFormatError(`${path}.${key}: expected a list, got ${shown(v)}`);
  return v;
}

/** `obj[key]` absent or a finite number. */
export function optionalNumber(obj: Record<string, unknown>, key: string, path: string): void {
  if (obj[key] !== undefined) requireNumber(obj, key, path);
}

/** `obj[key]` absent or a string. */
export function optionalString(obj: Record<string, unknown>, key: string, path: string): void {
  if (obj[key] !== undefined) requireString(obj, key, path);
}

/** Ledger columns and what each may hold ('n' number, 's' string, 'b' boolean; '?' = or null). */
const ROW_TYPES: Readonly<Record<(typeof LEDGER_COLUMNS)[number], string>> = {
  type: 's', inferenceId: 's', nodeId: 's', toNodeId: 's?', sliceId: 's?', busyMs: 'n?', wallMs: 'n?', utilisation: 'n?',
  bytes: 'n?', deviceClass: 's?', arch: 's?', idleWatts: 'n?', maxWatts: 'n?', ramWatts: 'n?', powerWatts: 'n?',
  powerLabel: 's?', powerSource: 's?', networkJoulesPerByte: 'n?', energyJoules: 'n', gramsCo2PerKwh: 'n',
  intensityZone: 's', intensitySource: 's', intensityKind: 's', intensityObservedAt: 's?', intensityPeriod: 's',
  intensityIsLive: 'b', intensityVintage: 's', intensityYear: 'n?', intensityBasis: 's?', intensityFallbackFrom: 's?', intensityFallbackReason: 's?',
  intensityCachedAt: 's?', operationalGramsCo2: 'n', embodiedGramsCo2: 'n', embodiedSource: 's?', recordedAt: 's',
};

/** Check one ledger row: every column present with its type, `type` and `intensityKind` known. */
export function checkLedgerRow(value: unknown, path: string): void {
  if (!isRecord(value)) throw new HistoryFormatError(`${path}: expected a ledger row object, got ${shown(value)}`);
  for (const column of LEDGER_COLUMNS) {
    const spec = ROW_TYPES[column];
    const v = value[column];
    // Optional columns may be null, or absent in files written before the column existed.
    if (spec.endsWith('?') && (v === null || v === undefined)) continue;
    const want = spec[0];
    const ok = want === 'n' ? typeof v === 'number' && Number.isFinite(v) : want === 's' ? typeof v === 'string' : typeof v === 'boolean';
    if (!ok) throw new HistoryFormatError(`${path}.${column}: expected ${want === 'n' ? 'a finite number' : want === 's' ? 'a string' : 'true or false'}${spec.endsWith('?') ? ' or null' : ''}, got ${shown(v)}`);
  }
  if (value.type !== 'execution' && value.type !== 'hop') throw new HistoryFormatError(`${path}.type: expected "execution" or "hop", got ${shown(value.type)}`);
  if (value.intensityKind !== 'average' && value.intensityKind !== 'marginal') throw new HistoryFormatError(`${path}.intensityKind: expected "average" or "marginal", got ${shown(value.intensityKind)}`);
  if ((value.energyJoules as number) < 0 || (value.operationalGramsCo2 as number) < 0) throw new HistoryFormatError(`${path}: energy and grams must be >= 0`);
}

/** Check the parts of a placement that pages and exports read. */
export function checkPlacement(value: unknown, path: string): void {
  if (!isRecord(value)) throw new HistoryFormatError(`${path}: expected a placement object, got ${shown(value)}`);
  const pipelines = requireArray(value, 'pipelines', path);
  pipelines.forEach((p, i) => {
    const pp = `${path}.pipelines[${i}]`;
    if (!isRecord(p)) throw new HistoryFormatError(`${pp}: expected an object`);
    requireNumber(p, 'share', pp);
    requireArray(p, 'slices', pp).forEach((s, k) => {
      const sp = `${pp}.slices[${k}]`;
      if (!isRecord(s)) throw new HistoryFormatError(`${sp}: expected an object`);
      requireString(s, 'nodeId', sp);
      const range = s.sliceRange;
      if (!Array.isArray(range) || range.length !== 2 || !range.every((x) => Number.isInteger(x))) throw new HistoryFormatError(`${sp}.sliceRange: expected [start, end], got ${shown(range)}`);
      for (const key of ['computeMs', 'energyJoules', 'gramsCo2']) requireNumber(s, key, sp);
    });
    requireArray(p, 'hops', pp).forEach((h, k) => {
      const hp = `${pp}.hops[${k}]`;
      if (!isRecord(h)) throw new HistoryFormatError(`${hp}: expected an object`);
      requireString(h, 'fromId', hp);
      requireString(h, 'toId', hp);
      requireNumber(h, 'bytes', hp);
    });
  });
  const prediction = value.prediction;
  if (!isRecord(prediction)) throw new HistoryFormatError(`${path}.prediction: expected an object`);
  for (const key of ['latencyMs', 'energyJoules', 'gramsCo2']) requireNumber(prediction, key, `${path}.prediction`);
}
