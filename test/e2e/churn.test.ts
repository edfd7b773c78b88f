/**
 * Churn in real Chromium: 4 node pages joined through the join URL as shown, 200 inferences of a
 * small model in 2 slices, and the pages hosting the slices closed one after the other mid-run.
 * Every inference ends ok, none twice, each equal to the whole model run under Node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { startAppServer } from '../helpers/app-server';
import { openRoom } from '../helpers/pages';
import type { RunningServer } from '../../signaling/server';
import { compareTensors } from '../../src/graph/index';
import { wholeModelOutputs } from '../helpers/tiny-model';
import type { TensorData } from '../../src/runtime/tensor';

const MODEL = 'tinycnn';
const N = 200;
let server: RunningServer;
let browser: Browser;
let coordinator: Page;
const nodes: Page[] = [];
const errors: string[][] = [];
const expected: Record<string, TensorData>[] = [];

beforeAll(async () => {
  expected.push(...(await wholeModelOutputs(MODEL, N)).expected);
  server = await startAppServer();
  browser = await launchBrowser();
  const room = await openRoom(browser, server.localUrl, 4, 180_000);
  coordinator = room.coordinator;
  nodes.push(...room.nodes);
  errors.push(...room.errors);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Close the node page whose name the coordinator shows for `nodeId`. */
async function closeNode(nodeId: string): Promise<void> {
  const shown = await coordinator.locator(`ce-node-table tr[data-node-id="${nodeId}"] td.name`).textContent();
  for (const page of nodes) {
    if (page.isClosed()) continue;
    const name = await page.locator('ce-node-page input').first().inputValue().catch(() => '');
    if (name && shown?.startsWith(name)) {
      await page.context().close();
      return;
    }
  }
  throw new Error(`no open page for ${shown}`);
}

const outcomes = () => coordinator.evaluate(() => window.carbonedgeRun?.outcomes.length ?? 0);

describe('churn', () => {
  it('4 node pages, 200 inferences, 2 pages closed mid-run: 200 correct results, none duplicated', async () => {
    await coordinator.getByTestId('run-model').selectOption(MODEL);
    await coordinator.getByTestId('run-stages').selectOption('2');
    await coordinator.getByTestId('run-count').fill(String(N));
    await coordinator.getByTestId('run-count').dispatchEvent('change');
    await coordinator.getByTestId('run-start').click();
    for (const [after, position] of [[40, 0], [110, 1]] as const) {
      await coordinator.waitForFunction((n) => (window.carbonedgeRun?.outcomes.length ?? 0) >= n, after, { timeout: 240_000, polling: 50 });
      const record = await coordinator.evaluate(() => window.carbonedgeRun!);
      const victim = record.placement!.pipelines[0]!.slices[position]!.nodeId;
      expect(await outcomes()).toBeLessThan(N);
      await closeNode(victim);
    }
    await coordinator.waitForFunction(() => /^(done|error)/.test(window.carbonedgeRun?.status ?? ''), undefined, { timeout: 240_000, polling: 250 });
    const record = await coordinator.evaluate(() => window.carbonedgeRun!);
    expect(record.status, record.error).toBe(`done: ${N} ok`);
    expect(record.outcomes).toHaveLength(N);
    expect(new Set(record.outcomes.map((o) => o.requestId)).size).toBe(N);
    for (const outcome of record.outcomes) {
      for (const [name, want] of Object.entries(expected[outcome.requestId - 1]!)) {
        const got = outcome.outputs![name]!;
        const cmp = compareTensors(want, { dtype: 'float32', dims: got.dims, data: Float32Array.from(got.data) });
        expect(cmp.ok, `request ${outcome.requestId}`).toBe(true);
      }
    }
    expect(record.stats!.replans).toBeGreaterThanOrEqual(2);
    expect(errors.flat()).toEqual([]);
  });
});
