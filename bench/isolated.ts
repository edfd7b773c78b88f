/**
 * Benches that open WebRTC between pages must run inside a network namespace: this re-runs
 * `carbonedge bench --only NAME` through scripts/isolated.sh and forwards its lines; and, inside
 * it, {@link withBenchRoom} gives such a bench the built app, its server and headless Chromium.
 */
import { spawn } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { startServer } from '../signaling/server';
import { launchBrowser } from '../src/lab/browser';
import { ensureBuilt } from '../src/lab/browser-lab';
import { labNodeQuery } from '../src/lab/lab-node-params';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Run bench NAME inside a fresh network namespace, printing its figures through `out`. */
export function runBenchIsolated(name: string, out: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(ROOT, 'scripts/isolated.sh'), process.execPath, 'bin/carbonedge.js', 'bench', '--only', name], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim() && !line.startsWith('== bench')) out(line);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('close', (code) => {
      if (buffered.trim()) out(buffered);
      if (code !== 0) {
        out(`${name}: could not run inside a network namespace (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
        out(`${name}: run it as \`scripts/isolated.sh npm run bench\` (needs root or unprivileged user namespaces)`);
      }
      resolve();
    });
  });
}

/** What {@link withBenchRoom} hands a bench. */
export interface BenchRoom {
  /** Open `url` in a fresh browser context (one page per peer, as separate devices). */
  open(url: string): Promise<Page>;
  /** Open a coordinator page; returns it and its join URL (as its page shows it, on this server). */
  room(): Promise<{ readonly coordinator: Page; readonly joinUrl: string }>;
  /** A lab node page's URL in a room: 1 WASM thread, slowdown 1, 2 GB. */
  nodeUrl(joinUrl: string, name: string): string;
}

/**
 * Build the app if needed, serve it, launch headless Chromium (lab flag `tag`), run `body`, then
 * close both whatever happens. The server listens on `host` (default loopback; `0.0.0.0` for a
 * bench that opens the join URL on the LAN address the page shows: inside the namespace only).
 */
export async function withBenchRoom(tag: string, body: (room: BenchRoom) => Promise<void>, options: { readonly host?: string } = {}): Promise<void> {
  const staticDir = await ensureBuilt(() => undefined);
  const server = await startServer({ staticDir, port: 0, host: options.host ?? '127.0.0.1' });
  let browser: Browser | undefined;
  try {
    const launched = (browser = await launchBrowser({ extraArgs: [`--carbonedge-lab=${tag}`] }));
    const open = async (url: string) => {
      const page = await (await launched.newContext()).newPage();
      await page.goto(url);
      return page;
    };
    await body({
      open,
      room: async () => {
        const coordinator = await open(`${server.localUrl}/`);
        const href = await coordinator.getByTestId('join-url').getAttribute('href', { timeout: 30_000 });
        return { coordinator, joinUrl: `${server.localUrl}/${new URL(href!).search}` };
      },
      nodeUrl: (joinUrl, name) => `${joinUrl}&${labNodeQuery({ name, slowdown: 1, memoryMb: 2048, threads: 1 })}`,
    });
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
  }
}
