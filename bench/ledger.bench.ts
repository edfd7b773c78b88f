/**
 * The carbon ledger's cost as a run grows (src/carbon/ledger.ts), figures only: a run of 10,000
 * inferences of 3 slices and 3 hops (60,000 rows), then
 * - the whole-run summary the Run panel takes after every result, from the ledger's running
 *   totals, beside summing all rows again (what it did before, and `summariseRows` still does);
 * - one inference's summary from the ledger's per-inference index, beside filtering every row;
 * - the JSON export (run and per-inference summaries of every inference).
 * Side by side in one run; `LEDGER_BENCH_INFERENCES` sets the run's length.
 */
import { CarbonLedger, summariseRows } from '../src/carbon/ledger';
import { ledgerToExport } from '../src/carbon/ledger-export';
import { scenarioReading } from '../src/carbon/configured-intensity';
import { configuredPowerModel } from '../src/carbon/power-model';

/** Mean ms of `f` over `reps` calls. */
function timeMs(f: () => unknown, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

/** Fill a ledger and print its figures. */
export async function run(out: (line: string) => void): Promise<void> {
  const inferences = Number(process.env.LEDGER_BENCH_INFERENCES ?? 10_000);
  const power = configuredPowerModel({ deviceClass: 'laptop', maxWatts: 30, idleWatts: 5 });
  const intensity = scenarioReading('node-green');
  const at = '2026-03-01T12:00:00.000Z';
  const ledger = new CarbonLedger();
  const t0 = performance.now();
  for (let i = 0; i < inferences; i++) {
    for (let s = 0; s < 3; s++) ledger.recordExecution({ inferenceId: `r${i}`, nodeId: `n${s}`, sliceId: `slice${s}`, busyMs: 30, wallMs: 40, power, intensity, at });
    for (let s = 0; s < 3; s++) ledger.recordHop({ inferenceId: `r${i}`, fromNodeId: `n${s}`, toNodeId: `n${s + 1}`, bytes: 100_000, intensity, at });
  }
  const rows = ledger.rows();
  out(`${inferences} inferences, ${rows.length} rows recorded in ${(performance.now() - t0).toFixed(0)} ms`);
  const summed = timeMs(() => summariseRows(rows), 10);
  const kept = timeMs(() => ledger.summarise(), 1000);
  out(`whole-run summary (after every result): ${kept.toFixed(4)} ms from the running totals, ${summed.toFixed(2)} ms summing every row (${(summed / kept).toFixed(0)}x)`);
  const ids = ledger.inferenceIds().slice(0, 100);
  const filtered = timeMs(() => ids.forEach((id) => summariseRows(rows.filter((r) => r.inferenceId === id))), 1) / ids.length;
  const indexed = timeMs(() => ids.forEach((id) => ledger.summarise(id)), 20) / ids.length;
  out(`one inference's summary: ${indexed.toFixed(4)} ms from the index, ${filtered.toFixed(3)} ms filtering every row (${(filtered / indexed).toFixed(0)}x; x ${inferences} inferences an export would take ${((filtered * inferences) / 1000).toFixed(1)} s that way)`);
  out(`JSON export (run + every inference's summary): ${timeMs(() => ledgerToExport(ledger), 3).toFixed(0)} ms`);
}
