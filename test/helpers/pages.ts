/** Page helpers shared by the end-to-end tests (vitest has no Playwright matchers). */
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { watchPageErrors } from './browser';

/** Open `url` in a fresh browser context (own storage), collecting uncaught page errors. */
export async function openPage(browser: Browser, url: string, options: BrowserContextOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext(options)).newPage();
  const errors = watchPageErrors(page);
  await page.goto(url);
  return { page, errors };
}

/** Wait for an element and return its text. */
export async function textOf(locator: Locator, timeout = 30_000): Promise<string> {
  await locator.waitFor({ timeout });
  return (await locator.textContent()) ?? '';
}

/**
 * The join URL exactly as the coordinator page shows it (its link and QR code): on a coordinator
 * opened on loopback, the machine's LAN address (in the test namespace 10.77.0.1), over plain http
 * unless the server runs --https. Nothing rewrites it: node pages get the context a phone gets.
 */
export async function joinUrlOf(coordinator: Page): Promise<string> {
  const href = await coordinator.getByTestId('join-url').getAttribute('href', { timeout: 30_000 });
  const shown = await coordinator.getByTestId('join-url').textContent();
  if (!href || href !== shown) throw new Error(`the join link's target (${href}) differs from its text (${shown})`);
  return href;
}

/** True when `url` points at this machine's loopback (a secure context even over http). */
export function isLoopback(url: string): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
}

/**
 * What the coordinator's Run panel shows about the current run, as one string for a failure
 * message: its status, error, event list and deployment progress (read, never changed).
 */
export async function runPanelState(coordinator: Page): Promise<string> {
  return coordinator
    .evaluate(() => {
      const page = document.querySelector('ce-app')?.shadowRoot?.querySelector('ce-coordinator-page') ?? document.querySelector('ce-coordinator-page');
      const panel = page?.shadowRoot?.querySelector('ce-run-panel') ?? document.querySelector('ce-run-panel');
      const root = panel?.shadowRoot;
      const text = (selector: string) => Array.from(root?.querySelectorAll(selector) ?? [], (e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim());
      const run = window.carbonedgeRun;
      return [
        `status: ${run?.status ?? 'none'}${run?.error ? ` (${run.error})` : ''}; outcomes ${run?.outcomes.length ?? 0}`,
        `events: ${text('ul li').join(' | ') || 'none'}`,
        `deploy: ${text('table[data-testid="deploy-progress"] tr').join(' | ') || 'none'}`,
      ].join('\n');
    })
    .catch((error: Error) => `(could not read the Run panel: ${error.message})`);
}

/** Await `promise`; when it rejects, add the Run panel's state to the error. */
export async function withRunState<T>(coordinator: Page, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    const state = await runPanelState(coordinator);
    (error as Error).message += `\nRun panel:\n${state}`;
    throw error;
  }
}

/**
 * A room as users make it: the coordinator page at `appUrl`, then `count` node pages opened at the
 * join URL it shows; resolves once the coordinator lists them all ready. Every page's uncaught
 * errors are collected in `errors` (one list per page).
 */
export async function openRoom(browser: Browser, appUrl: string, count: number, timeoutMs = 120_000): Promise<{ coordinator: Page; nodes: Page[]; errors: string[][]; joinUrl: string }> {
  const opened = await openPage(browser, `${appUrl}/`);
  const errors = [opened.errors];
  const joinUrl = await joinUrlOf(opened.page);
  const nodes: Page[] = [];
  for (let i = 0; i < count; i++) {
    const node = await openPage(browser, joinUrl);
    nodes.push(node.page);
    errors.push(node.errors);
  }
  await opened.page.locator('ce-node-table tr[data-state="ready"]').nth(count - 1).waitFor({ timeout: timeoutMs });
  return { coordinator: opened.page, nodes, errors, joinUrl };
}
