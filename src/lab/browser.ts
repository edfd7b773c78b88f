/**
 * (Moved from test/helpers/browser.ts so that `carbonedge experiment` need not import test code.)
 * Launch Debian's Chromium (or Chrome) through playwright-core: `CHROME_PATH` if set, else the first
 * chromium/chrome on PATH. A test tool's own browser download cannot work here, so we never try.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Flags that work on a headless, offline machine (see the developers' guide). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/** Path of a Chromium binary, or a clear error saying how to get one. */
export function findChromium(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on PATH; try the next name
    }
  }
  throw new Error('no Chromium found: set CHROME_PATH or install it (Debian: apt-get install -y chromium)');
}

/** Start a headless browser. `webgpu` adds the software WebGPU adapter flag; `extraArgs` are appended (e.g. a marker to find the process). */
export async function launchBrowser(options: { webgpu?: boolean; extraArgs?: readonly string[] } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.webgpu ? ['--enable-unsafe-webgpu'] : []), ...(options.extraArgs ?? [])],
  });
}

/** Collect uncaught page errors so a test can assert there were none. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return errors;
}
