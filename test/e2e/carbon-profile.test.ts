/**
 * The carbon profile end to end in real Chromium (issue 4): a node page in Europe/Paris guesses
 * zone FR with the bundled intensity and the coordinator's table shows it; overrides typed on the
 * node page (100 W, 380 gCO2/kWh) reach the coordinator labelled configured, a bad value is refused
 * beside its field, and a reload keeps the choices. Set CARBONEDGE_SCREENSHOTS=DIR to save
 * screenshots of both pages.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { joinUrlOf, openPage as openPageIn } from '../helpers/pages';
import { startAppServer } from '../helpers/app-server';
import type { RunningServer } from '../../signaling/server';
import { bundledReading } from '../../src/carbon';

let server: RunningServer;
let browser: Browser;

const openPage = (url: string, options: BrowserContextOptions = {}) => openPageIn(browser, url, { viewport: { width: 1100, height: 900 }, ...options });

/** Wait until the attribute has the wanted value (vitest has no Playwright matchers). */
async function waitForAttribute(locator: Locator, name: string, wanted: string, timeout = 30_000): Promise<void> {
  await locator.page().waitForFunction(
    ([element, attribute, value]) => (element as Element).getAttribute(attribute as string) === value,
    [await locator.elementHandle({ timeout }), name, wanted] as const,
    { timeout },
  );
}

/** Type into a field and leave it, which fires `change` as a user would. */
async function enter(field: Locator, text: string): Promise<void> {
  await field.fill(text);
  await field.press('Tab');
}

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CARBONEDGE_SCREENSHOTS;
  if (dir) await page.screenshot({ path: path.join(dir, name), fullPage: true });
}

beforeAll(async () => {
  server = await startAppServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('carbon profile in real Chromium', () => {
  it('shows the guessed zone and bundled intensity on both pages, and carries overrides to the coordinator', async () => {
    const expectedFr = bundledReading('FR').gramsCo2PerKwh;
    const coordinator = await openPage(`${server.localUrl}/`);
    const joinUrl = await joinUrlOf(coordinator.page);

    const node = await openPage(joinUrl, { timezoneId: 'Europe/Paris' });
    const zone = node.page.getByTestId('carbon-zone');
    expect(await zone.textContent({ timeout: 30_000 })).toBe('FR');
    expect(await node.page.getByTestId('carbon-zone-label').textContent()).toBe('guessed from time zone Europe/Paris');
    const intensity = node.page.getByTestId('carbon-intensity');
    expect(Number(await intensity.getAttribute('data-grams-co2-per-kwh'))).toBe(expectedFr);
    expect(await intensity.textContent()).toContain('bundled-electricity-maps');
    expect(await node.page.getByTestId('carbon-power').getAttribute('data-label')).toBe('estimated');

    const row = coordinator.page.locator('ce-node-table tr[data-node-id]');
    await row.locator('td.zone', { hasText: 'FR' }).waitFor({ timeout: 60_000 });
    const rowIntensity = row.locator('td.intensity');
    expect(Number(await rowIntensity.getAttribute('data-grams-co2-per-kwh'))).toBe(expectedFr);
    expect(Number(/([\d.]+) gCO2\/kWh/.exec((await rowIntensity.textContent()) ?? '')?.[1])).toBeCloseTo(expectedFr, 1);
    expect(await rowIntensity.getAttribute('title')).toContain('Electricity Maps yearly 2025');
    expect(await row.locator('td.power').getAttribute('data-label')).toBe('estimated');
    await screenshot(node.page, 'carbon-node-bundled.png');
    await screenshot(coordinator.page, 'carbon-coordinator-bundled.png');

    await enter(node.page.getByTestId('carbon-power-input'), '100');
    await enter(node.page.getByTestId('carbon-intensity-input'), '380');
    const rowPower = row.locator('td.power');
    await waitForAttribute(rowPower, 'data-label', 'configured');
    await waitForAttribute(rowIntensity, 'data-source', 'configured');
    expect(await rowPower.getAttribute('data-max-watts')).toBe('100');
    expect(await rowPower.textContent()).toMatch(/-100 W\s+configured/);
    expect(await rowIntensity.textContent()).toMatch(/^\s*380 gCO2\/kWh\s+configured/);
    expect(await row.locator('td.zone').textContent()).toBe('FR');

    // A phone-sized mistake on a laptop: refused beside the field, 100 W stays in force.
    await enter(node.page.getByTestId('carbon-power-input'), '5000');
    const error = node.page.getByTestId('carbon-error');
    expect(await error.textContent({ timeout: 10_000 })).toContain('5000 W is not plausible');
    expect(await error.getAttribute('data-field')).toBe('power');
    expect(await node.page.getByTestId('carbon-power').getAttribute('data-max-watts')).toBe('100');
    await screenshot(node.page, 'carbon-node.png');
    await screenshot(coordinator.page, 'carbon-coordinator.png');

    // A reload keeps the choices (IndexedDB) and sends them again after the new welcome.
    await node.page.reload();
    await waitForAttribute(node.page.getByTestId('carbon-power'), 'data-label', 'configured');
    expect(await node.page.getByTestId('carbon-intensity').getAttribute('data-source')).toBe('configured');
    await coordinator.page.locator('ce-node-table tr[data-state="gone"]').waitFor({ state: 'detached', timeout: 30_000 });
    await waitForAttribute(coordinator.page.locator('ce-node-table tr[data-node-id] td.power'), 'data-label', 'configured');
    expect(await coordinator.page.locator('ce-node-table tr[data-node-id]').count()).toBe(1);

    expect([...node.errors, ...coordinator.errors]).toEqual([]);
    await node.page.context().close();
    await coordinator.page.context().close();
  });
});
