/**
 * CSV and JSON exports of a ledger: one row per slice execution and per tensor hop, with every
 * provenance field (power label and source, intensity source, kind, time, live/fallback/cache).
 * CSV follows RFC 4180 (comma, CRLF, quotes doubled); empty cells mean "not applicable" (null).
 */
import { type CarbonLedger, type LedgerRow, type LedgerSummary } from './ledger';

/** Column order of the CSV (also the keys of a LedgerRow). */
export const LEDGER_COLUMNS = [
  'type', 'inferenceId', 'nodeId', 'toNodeId', 'sliceId', 'busyMs', 'wallMs', 'utilisation', 'bytes',
  'deviceClass', 'arch', 'idleWatts', 'maxWatts', 'ramWatts', 'powerWatts', 'powerLabel', 'powerSource',
  'networkJoulesPerByte', 'energyJoules', 'gramsCo2PerKwh', 'intensityZone', 'intensitySource', 'intensityKind',
  'intensityObservedAt', 'intensityPeriod', 'intensityIsLive', 'intensityVintage', 'intensityYear', 'intensityBasis', 'intensityFallbackFrom',
  'intensityFallbackReason', 'intensityCachedAt', 'operationalGramsCo2', 'embodiedGramsCo2', 'embodiedSource',
  'recordedAt',
] as const satisfies readonly (keyof LedgerRow)[];

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? String(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The ledger (or a set of rows) as CSV with a header line. */
export function ledgerToCsv(source: CarbonLedger | readonly LedgerRow[]): string {
  const rows = Array.isArray(source) ? (source as readonly LedgerRow[]) : (source as CarbonLedger).rows();
  const lines = [LEDGER_COLUMNS.join(',')];
  for (const row of rows) lines.push(LEDGER_COLUMNS.map((column) => csvCell(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** JSON export document. */
export interface LedgerExport {
  /** Format version of this document. */
  readonly format: 'carbonedge-ledger/1';
  readonly units: Readonly<Record<string, string>>;
  readonly settings: { readonly networkJoulesPerByte: number; readonly embodiedEnabled: boolean; readonly embodiedResourceShare: number };
  readonly rows: readonly LedgerRow[];
  /** Whole-run summary. */
  readonly run: LedgerSummary;
  /** Per-inference summaries keyed by inference id. */
  readonly perInference: Readonly<Record<string, LedgerSummary>>;
}

/** The ledger as a JSON-ready object (rows + run and per-inference summaries). */
export function ledgerToExport(ledger: CarbonLedger): LedgerExport {
  const rows = ledger.rows();
  const perInference: Record<string, LedgerSummary> = {};
  for (const id of ledger.inferenceIds()) perInference[id] = ledger.summarise(id);
  return {
    format: 'carbonedge-ledger/1',
    units: { time: 'ms', energy: 'J', power: 'W', intensity: 'gCO2/kWh', carbon: 'gCO2', data: 'bytes' },
    settings: { networkJoulesPerByte: ledger.networkJoulesPerByte, embodiedEnabled: ledger.embodiedEnabled, embodiedResourceShare: ledger.embodiedResourceShare },
    rows,
    run: ledger.summarise(),
    perInference,
  };
}

/** {@link ledgerToExport} serialised with two-space indentation. */
export function ledgerToJson(ledger: CarbonLedger): string {
  return JSON.stringify(ledgerToExport(ledger), null, 2);
}
