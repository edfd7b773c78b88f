/**
 * Audits in real Chromium (issue 13): three node pages opened from the join URL exactly as the
 * coordinator shows it; one of them lies. The liar stands for a tampered device: its page's slice
 * runtime is wrapped (from the test, as a user with devtools could) so that every output it sends
 * is noise of the right shape. The coordinator runs tinycnn in 3 slices on the 3 nodes with half of
 * the requests audited on its own worker: the liar is caught, quarantined and planned around (the
 * run goes on with 2 slices on the 2 honest nodes), every wrong result it produced before is marked
 * suspect, every result not marked suspect equals the whole model run under Node, and the page says
 * who was quarantined.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { openRoom, withRunState } from '../helpers/pages';
import { startAppServer } from '../helpers/app-server';
import type { RunningServer } from '../../signaling/server';
import { compareTensors } from '../../src/graph/index';
import { wholeModelOutputs } from '../helpers/tiny-model';
import type { TensorData } from '../../src/runtime/tensor';
import type { RunRecord } from '../../src/ui/ce-run-panel';

const MODEL = 'tinycnn';
const N = 40;
let server: RunningServer;
let browser: Browser;
let coordinator: Page;
const nodes: Page[] = [];
const errors: string[][] = [];
let expected: Record<string, TensorData>[] = [];

beforeAll(async () => {
  ({ expected } = await wholeModelOutputs(MODEL, N));
  server = await startAppServer();
  browser = await launchBrowser();
  const room = await openRoom(browser, server.localUrl, 3);
  coordinator = room.coordinator;
  nodes.push(...room.nodes);
  errors.push(...room.errors);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('audits across browser peers', () => {
  it('a node page whose outputs are noise is quarantined; every result not marked suspect is right', { timeout: 180_000 }, async () => {
    const liar = nodes[2]!;
    // The tampered device: every slice output it sends becomes noise (shape and type kept).
    const liarId = await liar.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const s = (document.querySelector('ce-app') as any).shadowRoot.querySelector('ce-node-page').session;
      const runtime = s.executor.options.runtime;
      const run = runtime.run;
      runtime.run = async (id: string, feeds: unknown) => {
        const result = await run(id, feeds);
        for (const t of Object.values(result.outputs) as { data: Float32Array }[]) for (let i = 0; i < t.data.length; i++) t.data[i] = Math.sin(i * 12.9898) * 43758.5453 % 3;
        return result;
      };
      return s.node.nodeId as string;
    });
    await coordinator.getByTestId('run-model').selectOption(MODEL);
    await coordinator.getByTestId('run-stages').selectOption('3');
    await coordinator.getByTestId('run-count').fill(String(N));
    await coordinator.getByTestId('run-count').dispatchEvent('change');
    await coordinator.getByTestId('run-audit').fill('50');
    await coordinator.getByTestId('run-audit').dispatchEvent('change');
    await coordinator.getByTestId('run-start').click();
    await withRunState(coordinator, coordinator.waitForFunction(() => /^(done|error)/.test(window.carbonedgeRun?.status ?? ''), undefined, { timeout: 150_000, polling: 250 }));
    const record = (await coordinator.evaluate(() => window.carbonedgeRun)) as RunRecord;
    const audits = record.audits!;
    console.log(`liar ${liarId}: ${audits.requestsAudited} requests audited, ${audits.slicesJudged} slices judged, ${audits.mismatches} mismatches, quarantined ${audits.quarantined.join(', ')}, ${audits.suspectResults} suspect results`);
    // Caught and taken out: exactly the liar, and the run re-planned onto the two honest nodes.
    expect(audits.quarantinedIds).toEqual([liarId]);
    expect(audits.mismatches).toBeGreaterThanOrEqual(2);
    expect(record.stats!.replans).toBeGreaterThanOrEqual(1);
    const last = record.placement!;
    expect(last.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId))).not.toContain(liarId);
    // Every request ended once; every result not marked suspect is right, every wrong one is suspect.
    expect(record.outcomes).toHaveLength(N);
    expect(new Set(record.outcomes.map((o) => o.requestId)).size).toBe(N);
    let wrong = 0;
    for (const outcome of record.outcomes) {
      expect(outcome.ok, outcome.reason).toBe(true);
      const want = expected[outcome.requestId - 1]!;
      const right = Object.entries(want).every(([name, t]) => {
        const got = outcome.outputs![name]!;
        return compareTensors(t, { dtype: 'float32', dims: got.dims, data: Float32Array.from(got.data) }).ok;
      });
      if (!right) {
        wrong++;
        expect(outcome.suspect, `request ${outcome.requestId} is wrong and not marked suspect`).toBe(true);
      }
    }
    console.log(`${wrong} wrong result(s) before the quarantine, all marked suspect; ${N - wrong} right`);
    expect(wrong).toBeLessThan(N);
    // The page says it.
    expect(await coordinator.getByTestId('run-quarantined').textContent()).toContain(audits.quarantined[0]!);
    expect(Number(await coordinator.getByTestId('run-audit-mismatches').textContent())).toBe(audits.mismatches);
    expect(errors.flat()).toEqual([]);
  });
});
