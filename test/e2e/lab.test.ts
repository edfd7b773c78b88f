/**
 * The lab end to end (issue 7), through the real `carbonedge experiment` code path in a child
 * process: a tiny scenario in headless Chromium writes its results with every ledger provenance
 * column; the HTML report renders with its plots drawn; a node with slowdown 3 takes about 3x as
 * long per slice as one with slowdown 1; bad scenarios exit non-zero with one line and leave no
 * browser or server behind (found by a unique marker on the browser's command line).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { ROOT } from '../helpers/app-server';
import { LEDGER_COLUMNS } from '../../src/carbon/ledger-export';
import type { ExperimentResults } from '../../src/lab/results';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ce-lab-'));
const tag = `ce-lab-e2e-${process.pid}-${Date.now().toString(36)}`;

function experiment(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/carbonedge.js'), 'experiment', ...args], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Processes whose command line carries `marker` (none = nothing leaked). */
function leftovers(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function writeScenario(name: string, value: unknown): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

let browser: Browser;
let results: ExperimentResults;
const out = path.join(dir, 'out');

beforeAll(async () => {
  const scenario = writeScenario('tiny', {
    name: 'tiny',
    model: 'mobilenetv2',
    inferences: 6,
    repetitions: 2,
    nodes: [
      { name: 'Fast', slowdown: 1, intensity: 600, watts: 20 },
      { name: 'Slow', slowdown: 3, intensity: 200, power: { idleWatts: 2, maxWatts: 10 } },
    ],
    configurations: [
      { kind: 'monolithic', node: 'Fast' },
      { kind: 'monolithic', node: 'Slow' },
      { kind: 'paper', mode: 'green' },
      { kind: 'sweep', points: 2 },
    ],
  });
  const run = await experiment(['--scenario', scenario, '--out', out, '--tag', tag], 170_000);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as ExperimentResults;
  browser = await launchBrowser();
}, 200_000);

afterAll(async () => {
  await browser?.close();
});

describe('carbonedge experiment in headless Chromium', () => {
  it('writes JSON and CSV results whose ledger rows carry every provenance field, and leaves nothing running', () => {
    for (const f of ['results.json', 'configurations.csv', 'requests.csv', 'ledger.csv', 'report.html']) expect(existsSync(path.join(out, f)), f).toBe(true);
    const ledger = readFileSync(path.join(out, 'ledger.csv'), 'utf8').trimEnd().split('\r\n');
    expect(ledger[0]).toBe(`configuration,repeat,${LEDGER_COLUMNS.join(',')}`);
    expect(ledger.length).toBeGreaterThan(6 * 5);
    expect(ledger.some((l) => l.includes(',configured,'))).toBe(true);
    expect(results.method).toBe('browsers');
    // What moving bytes between the pages costs the machine, timed before the runs (src/lab/host-transfer.ts).
    expect(results.environment.transferCpuMsPerMegabyte).toBeGreaterThan(0);
    expect(results.configurations.map((c) => c.label)).toEqual(['monolithic@Fast', 'monolithic@Slow', 'paper-green', 'sweep wC=0.00', 'sweep wC=1.00']);
    for (const c of results.configurations) {
      expect(c.errors, c.label).toEqual([]);
      expect(c.failed).toBe(0);
      expect(c.gramsCo2PerInference.mean).toBeGreaterThan(0);
    }
    const requests = readFileSync(path.join(out, 'requests.csv'), 'utf8').trimEnd().split('\r\n');
    expect(requests).toHaveLength(1 + 5 * 6 * 2);
    expect(leftovers(tag)).toEqual([]);
  });

  it('a node with slowdown 3 takes about 3x as long per slice as one with slowdown 1', () => {
    // Medians over both repetitions (interleaved Fast, Slow, ..., Fast, Slow), so that a burst of
    // other load on this shared machine does not decide the ratio.
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const executions = (label: string) => {
      const rows = results.runs.filter((r) => r.configuration === label).flatMap((r) => r.rows.filter((x) => x.type === 'execution'));
      expect(rows.length).toBe(12);
      return rows;
    };
    const wall = (label: string) => median(executions(label).map((r) => r.wallMs!));
    const busy = (label: string) => median(executions(label).map((r) => r.busyMs!));
    const stretch = (label: string) => median(executions(label).map((r) => r.wallMs! / r.busyMs!));
    const ratio = wall('monolithic@Slow') / wall('monolithic@Fast');
    const compute = busy('monolithic@Slow') / busy('monolithic@Fast');
    const load = os.loadavg()[0]!;
    console.log(`slowdown 3 vs 1: ${wall('monolithic@Slow').toFixed(1)} / ${wall('monolithic@Fast').toFixed(1)} ms per slice = ${ratio.toFixed(2)}x; wall/busy ${stretch('monolithic@Slow').toFixed(2)} vs ${stretch('monolithic@Fast').toFixed(2)}; compute per slice ${compute.toFixed(2)}x; load average ${load.toFixed(1)} on ${os.cpus().length} cores`);
    // Each slice on the slow node holds it 3x its compute time (the duty cycle: 2.99-3.02 in every
    // CI run on record); the fast node ~1x.
    expect(stretch('monolithic@Slow')).toBeGreaterThan(2.85);
    expect(stretch('monolithic@Slow')).toBeLessThan(3.15);
    expect(stretch('monolithic@Fast')).toBeLessThan(1.2);
    // Side by side across nodes, the wall ratio is that stretch times the two pages' compute per
    // slice, which agree on a machine that is not overloaded: 0.93-1.20x in 15 CI runs here, the slow
    // node's compute the slower one at low load (it resumes cold after each sleep; 1.09-1.20x at
    // load 1.6-1.8, so the bound leaves room above 1.2). Under heavy
    // outside load the CPU scheduler favours the duty-cycled node (it sleeps), shrinking its compute
    // time, so the cross-node figure is then only reported (README.md, "what it does not model").
    if (load < os.cpus().length) {
      expect(compute).toBeGreaterThan(0.8);
      expect(compute).toBeLessThan(1.3);
      expect(ratio).toBeGreaterThan(2.4);
      expect(ratio).toBeLessThan(3.9);
    } else expect(ratio).toBeGreaterThan(1);
  });

  it('renders the HTML report from disk in headless Chromium with its plots drawn', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${path.join(out, 'report.html')}`);
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.byteLength).toBeGreaterThan(20_000);
    const plots = await page.$$eval('svg[data-plot]', (svgs) =>
      svgs.map((s) => ({ id: s.getAttribute('data-plot'), marks: s.querySelectorAll('circle, rect[data-bar], polyline').length, width: s.getBoundingClientRect().width })),
    );
    expect(plots.map((p) => p.id)).toEqual(['pareto', 'sweep', 'usage']);
    for (const p of plots) {
      expect(p.width, p.id!).toBeGreaterThan(100);
      expect(p.marks, p.id!).toBeGreaterThan(1);
    }
    await page.close();
  });

  it('stops a bad scenario with a one-line message and a non-zero exit', async () => {
    const negative = writeScenario('negative', { model: 'tinycnn', nodes: [{ name: 'A', slowdown: -2, intensity: 100 }], configurations: [{ kind: 'monolithic', node: 'A' }] });
    const unknown = writeScenario('unknown', { model: 'resnet999', nodes: [{ name: 'A', intensity: 100 }], configurations: [{ kind: 'monolithic', node: 'A' }] });
    const empty = writeScenario('empty', { model: 'tinycnn', nodes: [], configurations: [] });
    for (const [file, message] of [[negative, 'slowdown: must be between 1 and 100, got -2'], [unknown, 'unknown model "resnet999"'], [empty, 'needs at least one node']] as const) {
      const run = await experiment(['--scenario', file, '--tag', `${tag}-bad`], 30_000);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(message);
    }
  });

  it('stops when a node never joins, closing the browser and the server', async () => {
    // 5 kW is within the scenario's bounds but not plausible for this device: the node page refuses it.
    const never = writeScenario('never', { model: 'tinycnn', inferences: 2, repetitions: 1, nodes: [{ name: 'Greedy', intensity: 100, watts: 4999 }], configurations: [{ kind: 'monolithic', node: 'Greedy' }] });
    const run = await experiment(['--scenario', never, '--tag', `${tag}-never`, '--out', path.join(dir, 'never')], 90_000);
    expect(run.code).toBe(1);
    const last = run.stderr.trim().split('\n').filter((l) => !/externalized/.test(l)).pop()!;
    expect(last).toMatch(/node Greedy could not join: .*not plausible/);
    expect(leftovers(`${tag}-never`)).toEqual([]);
  });
});
