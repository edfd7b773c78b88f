/**
 * WebGPU in real Chromium through the software adapter (--enable-unsafe-webgpu; slow, so no
 * timing is judged): a node page runs its self-benchmark on both backends in its worker and the
 * coordinator's table shows both figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { startAppServer } from '../helpers/app-server';
import type { RunningServer } from '../../signaling/server';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startAppServer();
  browser = await launchBrowser({ webgpu: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('WebGPU backend (software adapter)', () => {
  it('a node benchmarks WASM and WebGPU, both available with timings', async () => {
    const coordinator = await (await browser.newContext()).newPage();
    await coordinator.goto(`${server.localUrl}/`);
    const href = await coordinator.getByTestId('join-url').getAttribute('href', { timeout: 30_000 });
    const node = await (await browser.newContext()).newPage();
    await node.goto(`${server.localUrl}/${new URL(href!).search}`);
    await node.getByTestId('node-benchmark').waitFor({ timeout: 120_000 });
    const text = (await node.getByTestId('node-benchmark').textContent()) ?? '';
    const wasm = Number(/wasm: ([\d.]+) ms/.exec(text)?.[1]);
    const webgpu = Number(/webgpu: ([\d.]+) ms/.exec(text)?.[1]);
    expect(wasm, text).toBeGreaterThan(0);
    expect(webgpu, text).toBeGreaterThan(0);
    // The coordinator's table shows the WebGPU figure too.
    const row = coordinator.locator('ce-node-table tr[data-state="ready"] td.webgpu');
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toMatch(/[\d.]+ ms/);
  });
});
