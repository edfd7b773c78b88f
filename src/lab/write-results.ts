/**
 * Write an experiment's files: results.json (everything, ledger rows with every provenance field),
 * configurations.csv (per-configuration means and 95% intervals), requests.csv (raw per-request
 * rows), ledger.csv (every ledger row, via ledgerToCsv, prefixed by configuration and repeat) and
 * report.html (self-contained). CSV: RFC 4180, CRLF.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ledgerToCsv } from '../carbon/ledger-export';
import { renderReport } from './report-html';
import type { ExperimentResults } from './results';
import type { Estimate } from './stats';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csv = (rows: readonly (readonly unknown[])[]) => `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;

const ESTIMATES = ['latencyMs', 'throughputPerSecond', 'energyJoulesPerInference', 'gramsCo2PerInference', 'inferencesPerGramCo2', 'reductionVsMonolithic', 'planningMsPerRequest'] as const;

/** configurations.csv */
export function configurationsCsv(results: ExperimentResults): string {
  const header = ['configuration', 'kind', 'carbonWeight', 'placement', ...ESTIMATES.flatMap((k) => [`${k}Mean`, `${k}Low95`, `${k}High95`]), 'repetitions', 'failedRequests', 'nodeUsage', 'predictedLatencyMs', 'predictedGramsCo2'];
  const rows = results.configurations.map((c) => [
    c.label, c.kind, c.carbonWeight ?? null, c.placement,
    ...ESTIMATES.flatMap((k) => { const e: Estimate = c[k]; return [e.mean, e.low, e.high]; }),
    c.latencyMs.n, c.failed,
    Object.entries(c.nodeUsage).map(([n, s]) => `${n}=${s.toFixed(4)}`).join(';'),
    c.predicted?.latencyMs ?? null, c.predicted?.gramsCo2 ?? null,
  ]);
  return csv([header, ...rows]);
}

/** requests.csv */
export function requestsCsv(results: ExperimentResults): string {
  return csv([['configuration', 'repeat', 'requestId', 'ok', 'latencyMs', 'attempts', 'reason'], ...results.requests.map((r) => [r.configuration, r.repeat, r.requestId, r.ok, r.latencyMs, r.attempts, r.reason])]);
}

/** ledger.csv: ledgerToCsv's columns, prefixed by configuration and repeat. */
export function ledgerCsv(results: ExperimentResults): string {
  let header = '';
  const lines: string[] = [];
  for (const run of results.runs) {
    const [head, ...body] = ledgerToCsv(run.rows).trimEnd().split('\r\n');
    header = `configuration,repeat,${head}`;
    for (const line of body) lines.push(`${cell(run.configuration)},${run.repeat},${line}`);
  }
  if (!header) header = `configuration,repeat,${ledgerToCsv([]).trimEnd()}`;
  return `${[header, ...lines].join('\r\n')}\r\n`;
}

/** Write every file under `dir`; returns their paths. */
export async function writeResults(dir: string, results: ExperimentResults): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    json: path.join(dir, 'results.json'),
    configurations: path.join(dir, 'configurations.csv'),
    requests: path.join(dir, 'requests.csv'),
    ledger: path.join(dir, 'ledger.csv'),
    report: path.join(dir, 'report.html'),
  };
  await writeFile(files.json!, JSON.stringify(results, null, 2));
  await writeFile(files.configurations!, configurationsCsv(results));
  await writeFile(files.requests!, requestsCsv(results));
  await writeFile(files.ledger!, ledgerCsv(results));
  await writeFile(files.report!, renderReport(results));
  return files;
}
