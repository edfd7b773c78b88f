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

/** The join URL a coordinator page shows, pointed at `localUrl` (loopback: a secure context). */
export async function joinUrlOf(coordinator: Page, localUrl: string): Promise<string> {
  const href = await coordinator.getByTestId('join-url').getAttribute('href', { timeout: 30_000 });
  return `${localUrl}/${new URL(href!).search}`;
}
