/**
 * Budgets between people (issue 15, "Done means") in real Chromium: a coordinator, 2 node pages
 * joined through the join URL as shown, and two tenants added on the coordinator page - Group A
 * with a generous budget, Group B with about 12 inferences' worth of the smallest model (the page's
 * own prediction). Each tenant page is opened from the tenant link exactly as the coordinator page
 * shows it. Both submit 6 inferences at once: A's completes; B's completes and then its run of 11
 * no longer fits what is left and is refused, or - when the swarm measures it dearer than predicted
 * - B's first run is stopped at its budget; either way with a message naming the grams. The
 * coordinator's tenant table shows both tenants with grams against budget (each within it) and
 * their runs. A tenant page whose key
 * is not the link's is refused; a coordinator reload keeps tenants, links and spent grams.
 * Screenshots go to /tmp/shots/ (or $SHOTS_DIR).
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { startAppServer } from '../helpers/app-server';
import { joinUrlOf, openPage, textOf } from '../helpers/pages';
import type { RunningServer } from '../../signaling/server';

const SHOTS = process.env.SHOTS_DIR ?? '/tmp/shots';
const MODEL = 'tinycnn';
const N = 6;
let server: RunningServer;
let browser: Browser;
let coordinator: Page;
const errors: string[][] = [];

async function shot(page: Page, name: string, section?: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  if (section) await page.locator(section).screenshot({ path: `${SHOTS}/${name}.png` });
  else await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** Add a tenant on the coordinator page as the teacher does; returns its id. */
async function addTenant(name: string, budget: string): Promise<string> {
  const before = await coordinator.locator('tr[data-testid="tenant-row"]').count();
  await coordinator.getByTestId('tenant-name').fill(name);
  await coordinator.getByTestId('tenant-budget').fill(budget);
  await coordinator.getByTestId('tenant-add').click();
  const row = coordinator.locator('tr[data-testid="tenant-row"]').nth(before);
  await row.waitFor({ timeout: 10_000 });
  expect(await row.locator('td.name').textContent()).toBe(name);
  return (await row.getAttribute('data-tenant-id'))!;
}

/** The tenant link exactly as the coordinator page shows it (its target equals its text). */
async function tenantLinkOf(tenantId: string): Promise<string> {
  const link = coordinator.locator(`tr[data-testid="tenant-row"][data-tenant-id="${tenantId}"] a[data-testid="tenant-link"]`);
  const href = await link.getAttribute('href', { timeout: 30_000 });
  const shown = await link.textContent();
  if (!href || href !== shown) throw new Error(`the tenant link's target (${href}) differs from its text (${shown})`);
  return href;
}

async function submit(page: Page, count: number): Promise<void> {
  await page.getByTestId('tenant-model').selectOption(MODEL);
  await page.getByTestId('tenant-count').fill(String(count));
  await page.getByTestId('tenant-count').dispatchEvent('change');
  await page.getByTestId('tenant-submit').click();
}

beforeAll(async () => {
  server = await startAppServer();
  browser = await launchBrowser();
  const opened = await openPage(browser, `${server.localUrl}/`, { viewport: { width: 1280, height: 900 } });
  coordinator = opened.page;
  errors.push(opened.errors);
  const joinUrl = await joinUrlOf(coordinator);
  for (let i = 0; i < 2; i++) errors.push((await openPage(browser, joinUrl)).errors);
  await coordinator.locator('ce-node-table tr[data-state="ready"]').nth(1).waitFor({ timeout: 180_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('budgets between tenants', () => {
  it('two tenants submit to one room: the one whose budget runs out is refused or stopped with the grams, the other completes', async () => {
    // What a run costs here, as the page tells the teacher: the budgets are chosen from it.
    await coordinator.getByTestId('tenant-price-model').selectOption(MODEL);
    await coordinator.getByTestId('tenant-predict').click();
    const price = coordinator.getByTestId('tenant-price');
    await price.waitFor({ timeout: 60_000 });
    expect(await price.getAttribute('data-error')).toBeNull();
    const perInference = Number(await price.getAttribute('data-grams-per-inference'));
    expect(perInference).toBeGreaterThan(0);
    expect(await price.textContent()).toMatch(new RegExp(`^${MODEL}: about [\\d.,]+ [um]?gCO2 per inference \\(the balanced plan on the 2 ready node\\(s\\), embodied share included\\), [\\d.,]+ [um]?gCO2 per 100 inferences$`));
    // Group B can afford about 12 predicted inferences: its first run of 6 fits, a second of 11 no longer does.
    const budgetB = String(Number((12 * perInference).toPrecision(3)));
    const a = await addTenant('Group A', '10');
    const b = await addTenant('Group B', budgetB);
    // Bad input gets a specific error, and no tenant.
    await coordinator.getByTestId('tenant-name').fill('Group C');
    await coordinator.getByTestId('tenant-budget').fill('lots');
    await coordinator.getByTestId('tenant-add').click();
    expect(await textOf(coordinator.getByTestId('tenant-add-error'))).toBe('the budget must be a number of grams CO2e, got "lots"');
    expect(await coordinator.locator('tr[data-testid="tenant-row"]').count()).toBe(2);

    const linkA = await tenantLinkOf(a);
    const linkB = await tenantLinkOf(b);
    // The link as shown: the coordinator's LAN address, the room, the tenant, its key and the fingerprint.
    const shown = new URL(linkB);
    expect([...shown.searchParams.keys()]).toEqual(['room', 'tenant', 'tkey', 'fp']);
    expect(shown.origin).toBe(new URL(await joinUrlOf(coordinator)).origin);
    const pageA = await openPage(browser, linkA);
    const pageB = await openPage(browser, linkB);
    errors.push(pageA.errors, pageB.errors);
    for (const page of [pageA.page, pageB.page]) await page.locator('[data-testid="tenant-state"][data-state="admitted"]').waitFor({ timeout: 30_000 });
    expect(await pageA.page.getByTestId('tenant-title').textContent()).toBe('Group A');
    expect(await pageB.page.getByTestId('tenant-title').textContent()).toBe('Group B');

    // Both submit at once: the swarm serves them a batch at a time.
    await submit(pageA.page, N);
    await submit(pageB.page, N);
    const doneA = pageA.page.locator('tr[data-testid="tenant-run"][data-state="done"]');
    await doneA.waitFor({ timeout: 120_000 });
    expect([await doneA.getAttribute('data-completed'), await doneA.getAttribute('data-inferences')]).toEqual([String(N), String(N)]);
    const measuredA = Number(await doneA.getAttribute('data-measured-grams'));
    expect(measuredA).toBeGreaterThan(0);
    // The tenant sees what its run was planned to cost next to what it cost, per inference.
    const plannedA = Number(await doneA.getAttribute('data-planned-grams'));
    expect(plannedA).toBeGreaterThan(0);
    expect(Number(await doneA.getAttribute('data-planned-error'))).toBeCloseTo(plannedA / (measuredA / N) - 1, 12);
    expect(await doneA.getByTestId('tenant-run-planned').textContent()).toMatch(/^planned [\d.]+ [um]?gCO2, measured [\d.]+ [um]?gCO2 per inference \([+-]\d+\.\d%\)$/);
    // B's first run ends done when the prediction held, or stopped at its budget when the swarm
    // measured it dearer than predicted (batches stop at their reservation): both are the budget at work.
    const firstB = pageB.page.locator('tr[data-testid="tenant-run"]:is([data-state="done"], [data-state="stopped"])');
    await firstB.waitFor({ timeout: 120_000 });
    const firstState = await firstB.getAttribute('data-state');
    const measuredB = Number(await firstB.getAttribute('data-measured-grams'));
    expect(measuredB).toBeGreaterThan(0);
    console.log(`predicted ${perInference} gCO2 per inference (${plannedA} when A submitted); measured ${measuredA / N} (A), ${measuredB / Number(await firstB.getAttribute('data-completed'))} (B); B's budget ${budgetB} g; B's first run ${firstState}`);
    let message: string;
    let lastState: string;
    if (firstState === 'done') {
      expect(await firstB.getAttribute('data-completed')).toBe(String(N));
      // What is left no longer covers a run of 11: refused, naming the grams it needs and what is left.
      await submit(pageB.page, 11);
      const refused = pageB.page.locator('tr[data-testid="tenant-run"][data-state="refused"]');
      await refused.waitFor({ timeout: 60_000 });
      message = await textOf(refused.getByTestId('tenant-run-message'));
      expect(message).toMatch(/^refused: Group B's run needs about [\d.,]+ [um]?gCO2 \(11 x [\d.,]+ [um]?gCO2\), [\d.,]+ [um]?gCO2 of the [\d.,]+ [um]?gCO2 budget are left$/);
      expect(await refused.getAttribute('data-completed')).toBe('0');
      lastState = 'refused';
    } else {
      message = await textOf(firstB.getByTestId('tenant-run-message'));
      expect(message).toMatch(/^stopped: budget exhausted after [1-5] of 6 inferences \([\d.,]+ [um]?gCO2 of [\d.,]+ [um]?gCO2 spent\)$/);
      expect(Number(await firstB.getAttribute('data-completed'))).toBeLessThan(N);
      lastState = 'stopped';
    }
    expect(message).not.toMatch(/\de-?\d/);
    const budgetPageB = pageB.page.getByTestId('tenant-budget');
    expect(Number(await budgetPageB.getAttribute('data-spent-grams'))).toBe(measuredB);
    expect(Number(await budgetPageB.getAttribute('data-budget-grams'))).toBe(Number(budgetB));
    expect(await pageA.page.getByTestId('tenant-budget').textContent()).toMatch(/Spent [\d.,]+ [um]?gCO2 of 10 gCO2/);
    // Each tenant page lists only its own runs.
    expect(await pageA.page.locator('tr[data-testid="tenant-run"]').count()).toBe(1);
    expect(await pageB.page.locator('tr[data-testid="tenant-run"]').count()).toBe(lastState === 'refused' ? 2 : 1);

    // The coordinator's dashboard: both tenants, grams against budget, each run's state.
    const rowA = coordinator.locator(`tr[data-testid="tenant-row"][data-tenant-id="${a}"]`);
    const rowB = coordinator.locator(`tr[data-testid="tenant-row"][data-tenant-id="${b}"]`);
    await rowA.locator('[data-testid="tenant-run"][data-state="done"]').waitFor({ timeout: 10_000 });
    await rowB.locator(`[data-testid="tenant-run"][data-state="${lastState}"]`).waitFor({ timeout: 10_000 });
    expect(await rowB.locator('[data-testid="tenant-run"]').evaluateAll((runs) => runs.map((r) => r.getAttribute('data-state')))).toEqual(lastState === 'refused' ? ['done', 'refused'] : ['stopped']);
    const spentA = Number(await rowA.getAttribute('data-spent-grams'));
    const spentB = Number(await rowB.getAttribute('data-spent-grams'));
    expect(spentA).toBe(measuredA);
    expect(spentA).toBeLessThanOrEqual(Number(await rowA.getAttribute('data-budget-grams')));
    expect(spentB).toBe(measuredB);
    expect(Number(await rowB.getAttribute('data-budget-grams'))).toBe(Number(budgetB));
    expect(spentB).toBeLessThanOrEqual(Number(budgetB));
    expect(await rowA.getByTestId('tenant-spent').textContent()).toMatch(/^[\d.,]+ [um]?gCO2 of 10 gCO2 \([\d.]+%\)$/);
    expect(await rowB.getByTestId('tenant-spent').textContent()).toMatch(/^[\d.,]+ [um]?gCO2 of [\d.,]+ [um]?gCO2 \([\d.]+%\)$/);
    expect(await rowB.getByTestId('tenant-run-message').last().textContent()).toBe(message);
    expect(await rowA.getByTestId('tenant-pages').textContent()).toBe('1');
    await shot(coordinator, 'coordinator-tenants', 'section.tenants');
    await shot(pageA.page, 'tenant-a');
    await shot(pageB.page, 'tenant-b');
  });

  it('a tenant page whose key is not the link\'s is refused by the coordinator', async () => {
    const tenants = coordinator.locator('tr[data-testid="tenant-row"]');
    const id = (await tenants.nth(0).getAttribute('data-tenant-id'))!;
    // Deliberately tampered: another well-formed key in place of the one the coordinator gave.
    const url = new URL(await tenantLinkOf(id));
    url.searchParams.set('tkey', 'A'.repeat(22));
    const forged = await openPage(browser, url.href);
    errors.push(forged.errors);
    await forged.page.locator('[data-testid="tenant-state"][data-state="rejected"]').waitFor({ timeout: 30_000 });
    expect(await forged.page.getByTestId('tenant-error').textContent()).toBe('wrong tenant secret: open the tenant link the coordinator gave you');
    expect(await forged.page.getByTestId('tenant-submit').count()).toBe(0);
    await forged.page.context().close();
  });

  it('a coordinator reload keeps the tenants, their links and the grams they spent', async () => {
    const rows = coordinator.locator('tr[data-testid="tenant-row"]');
    const before = [];
    for (let i = 0; i < 2; i++) {
      const id = (await rows.nth(i).getAttribute('data-tenant-id'))!;
      before.push({ id, spent: await rows.nth(i).getAttribute('data-spent-grams'), link: await tenantLinkOf(id) });
    }
    expect(Number(before[0]!.spent)).toBeGreaterThan(0);
    await coordinator.reload();
    await rows.nth(1).waitFor({ timeout: 30_000 });
    const after = [];
    for (let i = 0; i < 2; i++) {
      const id = (await rows.nth(i).getAttribute('data-tenant-id'))!;
      after.push({ id, spent: await rows.nth(i).getAttribute('data-spent-grams'), link: await tenantLinkOf(id) });
    }
    expect(after).toEqual(before);
    // Group A's link, opened again, reaches the reloaded coordinator and shows the grams already spent.
    const again = await openPage(browser, before[0]!.link);
    errors.push(again.errors);
    await again.page.locator('[data-testid="tenant-state"][data-state="admitted"]').waitFor({ timeout: 60_000 });
    expect(await again.page.getByTestId('tenant-budget').getAttribute('data-spent-grams')).toBe(before[0]!.spent);
    expect(errors.flat()).toEqual([]);
  });
});
