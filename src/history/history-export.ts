/**
 * Exports of the history and their import (issue 14): one run or all runs as JSON (the whole
 * record: configuration, plan, nodes with names and profiles, requests, ledger rows, baselines) or
 * CSV (one line per ledger row, nodes by NAME, each line carrying its run's description), with file
 * names by run and date. JSON imports back through {@link parseHistoryJson}, which checks every
 * field first and throws {@link HistoryFormatError} naming the first bad one - a bad file changes
 * nothing. The CSV is for spreadsheets; it sums to the same totals as the page (run-totals.ts).
 */
import { LEDGER_COLUMNS } from '../carbon/ledger-export';
import { HistoryFormatError, isRecord } from './record-checks';
import { RUN_RECORD_FORMAT, describePlan, nodeNames, parseRunRecord, type RunRecord } from './run-record';

/** Format tag of a history file. */
export const HISTORY_FORMAT = 'carbonedge-history/1';

/** A history file: one or more runs. */
export interface HistoryFile {
  readonly format: typeof HISTORY_FORMAT;
  /** ISO 8601 time of the export. */
  readonly exportedAt: string;
  readonly units: Readonly<Record<string, string>>;
  readonly runs: readonly RunRecord[];
}

/** The runs as a history JSON document (two-space indentation). */
export function historyToJson(runs: readonly RunRecord[], exportedAt: Date = new Date()): string {
  const file: HistoryFile = {
    format: HISTORY_FORMAT,
    exportedAt: exportedAt.toISOString(),
    units: { time: 'ms', energy: 'J', power: 'W', intensity: 'gCO2/kWh', carbon: 'gCO2', data: 'bytes', speed: 'FLOP/s' },
    runs,
  };
  return JSON.stringify(file, null, 2);
}

/**
 * Read a history file (or a single run record) back. Throws {@link HistoryFormatError} on anything
 * else: not JSON, another format, or a bad field (`runs[1].nodes[0].name: expected a string, got 3`).
 */
export function parseHistoryJson(text: string): RunRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HistoryFormatError(`not a JSON file: ${(error as Error).message}`);
  }
  if (!isRecord(value)) throw new HistoryFormatError('not a CarbonEdge history file: expected a JSON object');
  if (value.format === RUN_RECORD_FORMAT) return [parseRunRecord(value, 'run')];
  if (value.format === 'carbonedge-ledger/1') throw new HistoryFormatError('this is a ledger export (carbonedge-ledger/1), not a history file: export the run from the history to import it');
  if (value.format !== HISTORY_FORMAT) throw new HistoryFormatError(`not a CarbonEdge history file: format is ${JSON.stringify(value.format)}, expected "${HISTORY_FORMAT}"`);
  if (!Array.isArray(value.runs)) throw new HistoryFormatError('runs: expected a list of runs');
  const runs = value.runs.map((r, i) => parseRunRecord(r, `runs[${i}]`));
  const ids = new Set<string>();
  for (const [i, r] of runs.entries()) {
    if (ids.has(r.id)) throw new HistoryFormatError(`runs[${i}].id: ${JSON.stringify(r.id)} appears twice in the file`);
    ids.add(r.id);
  }
  return runs;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Columns a history CSV puts before the ledger's own (LEDGER_COLUMNS). */
export const RUN_CSV_COLUMNS = ['runId', 'runStartedAt', 'model', 'mode', 'weights', 'slices', 'placement', 'nodeName', 'toNodeName'] as const;

/**
 * The ledger rows of `runs` as one CSV (RFC 4180): run columns, the node names, then every ledger
 * column. `toNodeName` of a hop to the coordinator reads `coordinator`.
 */
export function historyToCsv(runs: readonly RunRecord[]): string {
  const lines = [[...RUN_CSV_COLUMNS, ...LEDGER_COLUMNS].join(',')];
  for (const run of runs) {
    const names = nodeNames(run);
    const c = run.configuration;
    const prefix = [
      run.id,
      run.startedAt,
      c.model,
      c.label ?? c.mode,
      c.weights ? `latency ${c.weights.latency} energy ${c.weights.energy} carbon ${c.weights.carbon}` : '',
      c.pin?.length ? c.pin.length : c.stages === 0 ? 'planner' : c.stages,
      describePlan(run.plan, names),
    ];
    for (const row of run.ledger.rows) {
      const cells = [...prefix, names[row.nodeId] ?? row.nodeId, row.toNodeId === null ? null : names[row.toNodeId] ?? row.toNodeId, ...LEDGER_COLUMNS.map((k) => row[k])];
      lines.push(cells.map(csvCell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'run';
const stamp = (iso: string) => iso.slice(0, 16).replace(/:/g, '-');

/** `carbonedge-run-mobilenetv2-balanced-2026-12-03T08-04.json` for one run. */
export function runFileName(run: Pick<RunRecord, 'startedAt' | 'configuration'>, extension: 'json' | 'csv'): string {
  return `carbonedge-run-${safe(run.configuration.model)}-${safe(run.configuration.label ?? run.configuration.mode)}-${stamp(run.startedAt)}.${extension}`;
}

/** `carbonedge-history-12-runs-2026-12-03T08-04.json` for several runs, dated by the export. */
export function historyFileName(count: number, exportedAt: Date, extension: 'json' | 'csv'): string {
  return `carbonedge-history-${count}-run${count === 1 ? '' : 's'}-${stamp(exportedAt.toISOString())}.${extension}`;
}
