/**
 * Over https with the project's own certificate (`carbonedge start --https`), joined exactly as a
 * phone would: the join URL the coordinator shows, on the LAN address, with the one-time
 * certificate warning accepted (ignoreHTTPSErrors stands for that tap). There the node page is a
 * secure, cross-origin isolated context: WebGPU (the software adapter, --enable-unsafe-webgpu; slow,
 * so no timing is judged) and WASM threads. A node benchmarks both backends, the coordinator's table
 * shows both, and a 2-slice run over two such nodes completes.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { startAppServer } from '../helpers/app-server';
import { isLoopback, joinUrlOf, openPage } from '../helpers/pages';
import type { RunningServer } from '../../signaling/server';

let server: RunningServer;
let browser: Browser;
const errors: string[][] = [];

beforeAll(async () => {
  const certDir = await mkdtemp(path.join(os.tmpdir(), 'carbonedge-cert-'));
  server = await startAppServer(undefined, { https: true, certDir });
  browser = await launchBrowser({ webgpu: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(url: string): Promise<Page> {
  const { page, errors: list } = await openPage(browser, url, { ignoreHTTPSErrors: true });
  errors.push(list);
  return page;
}

describe('https with the project certificate, WebGPU backend (software adapter)', () => {
  it('nodes joined through the shown https URL benchmark WASM and WebGPU and run slices', async () => {
    expect(server.localUrl).toMatch(/^https:/);
    const coordinator = await open(`${server.localUrl}/`);
    const joinUrl = await joinUrlOf(coordinator);
    expect(joinUrl).toMatch(/^https:/);
    if (process.env.CARBONEDGE_ISOLATED === '1') expect(isLoopback(joinUrl)).toBe(false);
    const node = await open(joinUrl);
    await node.getByTestId('node-benchmark').waitFor({ timeout: 180_000 });
    expect(await node.evaluate(() => [window.isSecureContext, window.crossOriginIsolated])).toEqual([true, true]);
    const text = (await node.getByTestId('node-benchmark').textContent()) ?? '';
    const wasm = Number(/wasm: ([\d.]+) ms/.exec(text)?.[1]);
    const webgpu = Number(/webgpu: ([\d.]+) ms/.exec(text)?.[1]);
    expect(wasm, text).toBeGreaterThan(0);
    expect(webgpu, text).toBeGreaterThan(0);
    // The coordinator's table shows the WebGPU figure too.
    const row = coordinator.locator('ce-node-table tr[data-state="ready"] td.webgpu');
    await row.waitFor({ timeout: 60_000 });
    expect(await row.textContent()).toMatch(/[\d.]+ ms/);

    await open(joinUrl);
    await coordinator.locator('ce-node-table tr[data-state="ready"]').nth(1).waitFor({ timeout: 180_000 });
    await coordinator.getByTestId('run-model').selectOption('tinycnn');
    await coordinator.getByTestId('run-stages').selectOption('2');
    await coordinator.getByTestId('run-count').fill('10');
    await coordinator.getByTestId('run-count').dispatchEvent('change');
    await coordinator.getByTestId('run-start').click();
    await coordinator.waitForFunction(() => /^(done|error)/.test(window.carbonedgeRun?.status ?? ''), undefined, { timeout: 180_000, polling: 250 });
    const record = await coordinator.evaluate(() => window.carbonedgeRun!);
    expect(record.status, record.error).toBe('done: 10 ok');
    expect(record.placement!.pipelines[0]!.slices).toHaveLength(2);
    expect(errors.flat()).toEqual([]);
  });
});
