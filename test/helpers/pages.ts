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
