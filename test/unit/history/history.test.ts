/** The run history under fake-indexeddb: kept across "reloads", exported, imported, compared. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../../src/history/compare-runs';
import { historyFileName, historyToCsv, historyToJson, parseHistoryJson, runFileName } from '../../../src/history/history-export';
import { RunHistory } from '../../../src/history/history-store';
import { HistoryFormatError, newRunId, parseRunRecord } from '../../../src/history/run-record';
import { runTotals } from '../../../src/history/run-totals';
import { makeRun } from './fixtures';

let dbCount = 0;
const freshHistory = () => new RunHistory(`history-test-${++dbCount}`);

/** Sum a numeric CSV column (the file's own header names it). */
function csvColumnSum(csv: string, column: string): number {
  const lines = csv.trim().split('\r\n');
  const header = lines[0]!.split(',');
  const index = header.indexOf(column);
  return lines.slice(1).reduce((sum, line) => sum + Number(parseCsvLine(line)[index]), 0);
}
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cell); cell = ''; } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

describe('run totals', () => {
  it('are sums of every ledger row, including the failed request that ran a slice', () => {
    const run = makeRun();
    const t = runTotals(run);
    // 4 x 36 ms at 10 W on A + 3 x 100 ms wall at 10 W on B = 1.44 + 3 J
    expect(t.total.energyJoules).toBeCloseTo(4.44, 10);
    expect(t.completed).toBe(3);
    expect(t.failed).toBe(1);
    expect(t.ledgerInferences).toBe(4);
    expect(t.energyJoulesPerInference).toBeCloseTo(4.44 / 3, 10);
    expect(t.latencyMs.mean).toBeCloseTo(145, 10);
    expect(t.latencyMs.low).not.toBeNull();
    expect(t.byNode['Laptop, "A"']!.slicesRun).toBe(4);
    expect(t.byNode['Phone-B']!.share).toBeCloseTo(150 / (144 + 150), 10);
    expect(t.hopBytes).toBe(3 * 200_704);
  });

  it('equal the totals of the CSV and JSON exports', () => {
    const run = makeRun();
    const t = runTotals(run);
    const csv = historyToCsv([run]);
    expect(csvColumnSum(csv, 'energyJoules')).toBeCloseTo(t.total.energyJoules, 12);
    expect(csvColumnSum(csv, 'operationalGramsCo2')).toBeCloseTo(t.total.operationalGramsCo2, 15);
    const back = parseHistoryJson(historyToJson([run]));
    expect(runTotals(back[0]!).total).toEqual(t.total);
  });
});

describe('history exports', () => {
  it('names nodes by their names and describes the run on every CSV line', () => {
    const csv = historyToCsv([makeRun()]);
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(1 + 10); // 4 executions on A, 3 hops, 3 executions on B
    const header = lines[0]!.split(',');
    expect(header.slice(0, 9)).toEqual(['runId', 'runStartedAt', 'model', 'mode', 'weights', 'slices', 'placement', 'nodeName', 'toNodeName']);
    const first = parseCsvLine(lines[1]!);
    expect(first[header.indexOf('nodeName')]).toBe('Laptop, "A"');
    expect(first[header.indexOf('placement')]).toBe('[0,40)@Laptop, "A" > [40,100)@Phone-B');
    expect(first[header.indexOf('model')]).toBe('mobilenetv2');
    const hop = parseCsvLine(lines[2]!);
    expect(hop[header.indexOf('type')]).toBe('hop');
    expect(hop[header.indexOf('toNodeName')]).toBe('Phone-B');
    expect(csv).toContain('"Laptop, ""A"""');
  });

  it('names files by run and date', () => {
    const run = makeRun({ mode: 'green' });
    expect(runFileName(run, 'json')).toBe('carbonedge-run-mobilenetv2-green-2026-12-03T08-00.json');
    expect(historyFileName(12, new Date('2026-12-03T09:15:30Z'), 'csv')).toBe('carbonedge-history-12-runs-2026-12-03T09-15.csv');
    expect(historyFileName(1, new Date('2026-12-03T09:15:30Z'), 'json')).toBe('carbonedge-history-1-run-2026-12-03T09-15.json');
    expect(newRunId(new Date('2026-12-03T08:04:31.123Z'), () => 0.5)).toBe('run-2026-12-03T08-04-31-iiii');
  });

  it('refuses bad files with the field that is wrong', () => {
    const good = JSON.parse(historyToJson([makeRun()]));
    const bad = (mutate: (doc: any) => void) => {
      const doc = structuredClone(good);
      mutate(doc);
      return () => parseHistoryJson(JSON.stringify(doc));
    };
    expect(() => parseHistoryJson('{oops')).toThrow(/not a JSON file/);
    expect(() => parseHistoryJson('[]')).toThrow(/expected a JSON object/);
    expect(bad((d) => (d.format = 'other/1'))).toThrow('format is "other/1", expected "carbonedge-history/1"');
    expect(bad((d) => (d.runs[0].ledger.rows[3].energyJoules = 'abc'))).toThrow('runs[0].ledger.rows[3].energyJoules: expected a finite number, got "abc"');
    expect(bad((d) => (d.runs[0].nodes[1].name = 3))).toThrow('runs[0].nodes[1].name: expected a string, got 3');
    expect(bad((d) => (d.runs[0].plan.pipelines[0].slices[1].sliceRange = [40]))).toThrow('runs[0].plan.pipelines[0].slices[1].sliceRange: expected [start, end], got [40]');
    expect(bad((d) => delete d.runs[0].requests)).toThrow('runs[0].requests: expected a list, got nothing');
    expect(bad((d) => d.runs.push(d.runs[0]))).toThrow('runs[1].id: "run-2026-12-03T08-00-00-aaaa" appears twice in the file');
    expect(bad((d) => (d.runs[0].ledger.rows[0].intensityKind = 'marginal'))).toThrow(/mix marginal and average|mix average and marginal/);
    expect(() => parseHistoryJson(JSON.stringify({ format: 'carbonedge-ledger/1', rows: [] }))).toThrow(/ledger export .* not a history file/);
    try {
      bad((d) => (d.runs[0].status = 'great'))();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HistoryFormatError);
    }
    // a single run record is accepted too
    expect(parseHistoryJson(JSON.stringify(makeRun()))).toHaveLength(1);
  });
});

describe('RunHistory (IndexedDB)', () => {
  it('keeps runs across instances (a reload), lists them newest first with their totals, deletes', async () => {
    const name = `history-reload-${++dbCount}`;
    const older = makeRun({ id: 'run-old', startedAt: '2026-12-03T07:00:00.000Z' });
    const newer = makeRun({ id: 'run-new', startedAt: '2026-12-03T08:30:00.000Z', inferences: 6 });
    const history = new RunHistory(name);
    await history.save(older);
    // It says what it took of this thread (the check and the copy), for a caller that paces its saves.
    const ms = await history.save(newer);
    expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    const reloaded = new RunHistory(name);
    const { items, unreadable } = await reloaded.list();
    expect(unreadable).toEqual([]);
    expect(items.map((i) => i.id)).toEqual(['run-new', 'run-old']);
    expect(items[0]!.totals.total).toEqual(runTotals(newer).total);
    expect(items[0]!.title).toBe('mobilenetv2, balanced, planner decides');
    expect(items[0]!.nodeNames).toEqual(['Laptop, "A"', 'Phone-B']);
    expect((await reloaded.get('run-old'))?.requests).toHaveLength(4);
    await reloaded.delete('run-old');
    expect((await reloaded.list()).items.map((i) => i.id)).toEqual(['run-new']);
    expect(await reloaded.get('run-old')).toBeUndefined();
  });

  it('updates a run saved again under the same id (saving as the run goes)', async () => {
    const history = freshHistory();
    await history.save({ ...makeRun({ inferences: 2 }), status: 'running', finishedAt: null });
    await history.save(makeRun({ inferences: 5 }));
    const { items } = await history.list();
    expect(items).toHaveLength(1);
    expect(items[0]!.status).toBe('done');
    expect(items[0]!.totals.completed).toBe(4);
  });

  it('refuses to save a malformed record', async () => {
    const history = freshHistory();
    await expect(history.save({ ...makeRun(), nodes: [{ name: 'x' }] } as never)).rejects.toThrow('run.nodes[0].nodeId: expected a string, got nothing');
    expect((await history.list()).items).toEqual([]);
  });

  it('imports an exported history into a fresh database with the same runs and totals', async () => {
    const source = freshHistory();
    await source.save(makeRun({ id: 'run-1', startedAt: '2026-12-03T07:00:00.000Z' }));
    await source.save(makeRun({ id: 'run-2', startedAt: '2026-12-03T08:00:00.000Z', scale: 2 }));
    const text = historyToJson((await source.all()).runs);
    const target = freshHistory();
    const report = await target.import(parseHistoryJson(text));
    expect(report.added).toEqual(['run-2', 'run-1']);
    const a = await source.list();
    const b = await target.list();
    expect(b.items.map((i) => [i.id, i.totals.total])).toEqual(a.items.map((i) => [i.id, i.totals.total]));
  });

  it('loses nothing on import: identical runs are skipped, a different run under a taken id gets a new id', async () => {
    const history = freshHistory();
    await history.save(makeRun({ id: 'run-x' }));
    const report = await history.import([makeRun({ id: 'run-x' }), makeRun({ id: 'run-x', scale: 3 })]);
    expect(report.unchanged).toEqual(['run-x']);
    expect(report.renamed).toEqual({ 'run-x': 'run-x-imported-1' });
    const { items } = await history.list();
    expect(items.map((i) => i.id).sort()).toEqual(['run-x', 'run-x-imported-1']);
    const renamed = await history.get('run-x-imported-1');
    expect(runTotals(renamed!).total.energyJoules).toBeCloseTo(3 * 4.44, 9);
  });

  it('reports a stored record it cannot read instead of dropping it', async () => {
    const name = `history-corrupt-${++dbCount}`;
    const history = new RunHistory(name);
    await history.save(makeRun({ id: 'run-ok' }));
    const { createStore, set } = await import('idb-keyval');
    await set('run-broken', { format: 'carbonedge-run/1', id: 'run-broken' }, createStore(name, 'runs'));
    const { items, unreadable } = await history.list();
    expect(items.map((i) => i.id)).toEqual(['run-ok']);
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0]!.id).toBe('run-broken');
    expect(unreadable[0]!.reason).toMatch(/^stored run run-broken\.startedAt: expected a string/);
    await expect(history.get('run-broken')).rejects.toThrow(HistoryFormatError);
  });
});

describe('compareRuns', () => {
  it('puts two runs side by side and marks the better figure', () => {
    const a = makeRun({ id: 'a' });
    const b = makeRun({ id: 'b', scale: 2, mode: 'green' });
    const rows = compareRuns([a, b]);
    const row = (key: string) => rows.find((r) => r.key === key)!;
    expect(row('title').text).toEqual(['mobilenetv2, balanced, planner decides', 'mobilenetv2, green, planner decides']);
    expect(row('energyJoules').values).toEqual([runTotals(a).total.energyJoules, runTotals(b).total.energyJoules]);
    expect(row('energyJoules').best).toBe(0);
    expect(row('completed').best).toBeNull(); // both completed 3
    expect(row('gramsCo2PerInference').text.every((t) => / [um]gCO2$/.test(t))).toBe(true);
    expect(row('gramsCo2PerInference').text.join(' ')).not.toMatch(/e-/);
    const saved = row('saved:fastest-node');
    expect(saved.label).toBe('gCO2 saved per inference vs whole model on the fastest node');
    expect(saved.values[0]).toBeCloseTo(3e-4 - runTotals(a).gramsCo2PerInference, 15);
    expect(saved.best).toBe(0);
    // With the runs' own plans as predicted, the saving is like for like, and the plan is no baseline of itself.
    const planned = (r: typeof a, g: number) => ({ ...r, baselines: [...r.baselines, { key: 'plan-predicted', label: "this run's plan as predicted", energyJoulesPerInference: 1, gramsCo2PerInference: g, latencyMsPerInference: 90, provenance: 'estimated' }] });
    const like = compareRuns([planned(a, 1e-4), planned(b, 2.5e-4)]);
    const likeSaved = like.find((r) => r.key === 'saved:fastest-node')!;
    expect(likeSaved.label).toBe('gCO2 saved per inference vs whole model on the fastest node (plan and baseline both predicted)');
    expect(likeSaved.values[0]).toBeCloseTo(2e-4, 15);
    expect(likeSaved.values[1]).toBeCloseTo(0.5e-4, 15);
    expect(like.some((r) => r.key === 'saved:plan-predicted')).toBe(false);
    expect(row('nodes').text[0]).toContain('Laptop, "A" (configured 380 gCO2/kWh)');
    expect(row('certainty').text[0]).toMatch(/3 requests; .* may be noise/);
    expect(() => compareRuns([a])).toThrow('comparing needs at least two runs, got 1');
  });

  it('accepts a record whose plan went through JSON (Infinity throughput becomes null)', () => {
    const run = makeRun();
    const back = JSON.parse(JSON.stringify({ ...run, plan: { ...run.plan!, prediction: { ...run.plan!.prediction, throughputPerSecond: Infinity } } }));
    expect(parseRunRecord(back).plan!.prediction.throughputPerSecond).toBeNull();
  });
});
