/**
 * Trust in real Chromium (issue 13): node pages opened from the join URL exactly as the coordinator
 * shows it (plain http on the LAN address: no crypto.subtle), real WebRTC, real PeerJS signaling.
 * - Two nodes run tinycnn in 2 slices: their link authenticates with the run's credentials.
 * - A rogue page with the join URL (so a room member, with the token and fp) but no credential for
 *   the run opens a link to a node and floods it with frames: the node runs nothing, holds nothing
 *   for it (its receiver budget's figure), closes the link within the handshake time, and its heap
 *   stays within a set bound.
 * - The coordinator tab goes away; a page that knows the room and token takes the coordinator's id
 *   with its own key: the nodes refuse it (and say so) and obey nothing; the real tab comes back
 *   with its kept key and gets both nodes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, watchPageErrors } from '../helpers/browser';
import { startAppServer } from '../helpers/app-server';
import { joinUrlOf, openPage } from '../helpers/pages';
import type { RunningServer } from '../../signaling/server';
import { encodeTensorFrames } from '../../src/protocol/tensor-frame';
import type { RunRecord } from '../../src/ui/ce-run-panel';

const MODEL = 'tinycnn';
const N = 10;
/** Heap growth allowed on the node page while the rogue sends ~10 MiB of frames. */
const HEAP_BOUND_BYTES = 32 * 1024 * 1024;
let server: RunningServer;
let browser: Browser;
let coordinator: Page;
let joinUrl: string;
const nodes: Page[] = [];
const errors: string[][] = [];

/* The node page's session is a private field of ce-node-page, read in the page for its figures
   (written out in each page function: they are serialized, and the page's CSP forbids eval). */

interface NodeFigures {
  peerId: string;
  executions: number;
  heldBytes: number;
  peakBytes: number;
  refusedLinks: number;
  droppedBeforeAuth: number;
  heapBytes: number;
  refusedCoordinators: number;
  lastRefusal: string | undefined;
  lastRefusedLink: string | undefined;
}

function figures(page: Page): Promise<NodeFigures> {
  return page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const s = (document.querySelector('ce-app') as any).shadowRoot.querySelector('ce-node-page').session;
    const r = s.executor.receiverStats;
    return {
      peerId: s.transport.localPeerId,
      executions: s.executor.executions,
      heldBytes: r.budget.heldBytes,
      peakBytes: r.budget.peakBytes,
      refusedLinks: r.links.refusedLinks,
      droppedBeforeAuth: r.links.droppedBeforeAuth,
      heapBytes: (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
      refusedCoordinators: s.node.refusedCoordinators,
      lastRefusal: s.node.lastRefusal,
      lastRefusedLink: s.executor.lastRefusedLink,
    };
  });
}

const b64 = (buffer: ArrayBuffer) => Buffer.from(buffer).toString('base64');

async function readyRows(page: Page): Promise<number> {
  return page.locator('ce-node-table tr[data-state="ready"]').count();
}

beforeAll(async () => {
  server = await startAppServer();
  browser = await launchBrowser();
  const opened = await openPage(browser, `${server.localUrl}/`);
  coordinator = opened.page;
  errors.push(opened.errors);
  joinUrl = await joinUrlOf(coordinator);
  for (let i = 0; i < 2; i++) {
    const node = await openPage(browser, joinUrl);
    nodes.push(node.page);
    errors.push(node.errors);
  }
  await coordinator.locator('ce-node-table tr[data-state="ready"]').nth(1).waitFor({ timeout: 60_000 });
  // A real run first: the two nodes' link authenticates with the credentials sent with the deploys.
  await coordinator.getByTestId('run-model').selectOption(MODEL);
  await coordinator.getByTestId('run-stages').selectOption('2');
  await coordinator.getByTestId('run-count').fill(String(N));
  await coordinator.getByTestId('run-count').dispatchEvent('change');
  await coordinator.getByTestId('run-start').click();
  await coordinator.waitForFunction(() => /^(done|error)/.test(window.carbonedgeRun?.status ?? ''), undefined, { timeout: 60_000, polling: 250 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('trust across browser peers', { timeout: 90_000 }, () => {
  it('the join URL carries the coordinator fingerprint, and two nodes run a model through an authenticated link', async () => {
    expect(new URL(joinUrl).searchParams.get('fp')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const record = (await coordinator.evaluate(() => window.carbonedgeRun)) as RunRecord;
    expect(record.status).toBe(`done: ${N} ok`);
    const [a, b] = await Promise.all(nodes.map(figures));
    expect(a!.executions + b!.executions).toBe(2 * N);
    // Say why when a link was refused (seen once in a loaded CI run, reason not kept then).
    expect(a!.refusedLinks + b!.refusedLinks, JSON.stringify([a!.lastRefusedLink, b!.lastRefusedLink])).toBe(0);
  });

  it('a rogue page with the join URL but no credential runs nothing on a node and cannot grow its heap', async () => {
    const rogue = await openPage(browser, joinUrl);
    errors.push(rogue.errors);
    // Its session exists once it is connected to the signaling server (no need to wait for its benchmark).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await rogue.page.waitForFunction(() => (document.querySelector('ce-app') as any)?.shadowRoot?.querySelector('ce-node-page')?.session?.transport, undefined, { timeout: 30_000, polling: 100 });
    const target = nodes[0]!;
    const before = await figures(target);
    // 1,500 of the 53-byte frames that once allocated 65,535 slots each, then 40 chunks of 256 KiB
    // of a frame announcing 10 MiB: all for the run and slice a node really hosted.
    const small = encodeTensorFrames({ runId: 1, requestId: 7, sliceIndex: 1, tensorIndex: 0, tensorCount: 65_535, name: 'x' }, { dtype: 'uint8', dims: [0], data: new Uint8Array(0) })[0]!;
    const big = encodeTensorFrames({ runId: 1, requestId: 8, sliceIndex: 1, tensorIndex: 0, tensorCount: 1, name: 'x' }, { dtype: 'uint8', dims: [10 * 1024 * 1024], data: new Uint8Array(10 * 1024 * 1024) });
    const sent = await rogue.page.evaluate(
      async ({ peerId, smallBase64, bigFirstBase64, bigNextBase64, bigCount }) => {
        const bytesOf = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
        const smallBytes = bytesOf(smallBase64);
        const bigChunks = [bytesOf(bigFirstBase64), ...Array.from({ length: bigCount - 1 }, () => bytesOf(bigNextBase64))];
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const s = (document.querySelector('ce-app') as any).shadowRoot.querySelector('ce-node-page').session;
        const link = await s.transport.connect(peerId, { timeoutMs: 15_000 });
        let closed = false;
        const closedAt = new Promise<void>((resolve) => link.onClose(() => ((closed = true), resolve())));
        const started = performance.now();
        let count = 0;
        const send = (bytes: ArrayBuffer) => {
          if (closed) return;
          try {
            link.send(bytes.slice(0));
            count++;
          } catch {
            closed = true; // the node closed the link meanwhile
          }
        };
        for (let i = 0; i < 1500; i++) send(smallBytes);
        for (const chunk of bigChunks) {
          while (!closed && link.bufferedAmount > 2 * 1024 * 1024) await new Promise((r) => setTimeout(r, 20));
          send(chunk);
        }
        await Promise.race([closedAt, new Promise((r) => setTimeout(r, 20_000))]);
        return { count, closed, closedAfterMs: performance.now() - started };
      },
      { peerId: before.peerId, smallBase64: b64(small), bigFirstBase64: b64(big[0]!), bigNextBase64: b64(big[1]!), bigCount: big.length },
    );
    console.log(`rogue: ${sent.count} messages sent, link closed by the node after ${Math.round(sent.closedAfterMs)} ms`);
    expect(sent.closed).toBe(true);
    expect(sent.closedAfterMs).toBeLessThan(15_000);
    const after = await figures(target);
    console.log(`node: dropped before authentication ${after.droppedBeforeAuth - before.droppedBeforeAuth}, held ${after.heldBytes} B (before ${before.heldBytes}), peak ${after.peakBytes} B, heap ${before.heapBytes} -> ${after.heapBytes} B`);
    expect(after.executions).toBe(before.executions);
    expect(after.refusedLinks).toBe(before.refusedLinks + 1);
    expect(after.lastRefusedLink).toMatch(/not authenticated within 5000 ms/);
    expect(after.droppedBeforeAuth - before.droppedBeforeAuth).toBeGreaterThanOrEqual(1500);
    // Nothing assembled for the rogue: the budget holds what it held, its peak did not move.
    expect(after.heldBytes).toBe(before.heldBytes);
    expect(after.peakBytes).toBe(before.peakBytes);
    expect(after.heapBytes - before.heapBytes).toBeLessThan(HEAP_BOUND_BYTES);
    // The student sees it too: the node page shows what it refused.
    // (the page refreshes its figures every second)
    const refusedLine = /^\d{4,} message\(s\) from peers, 1 unauthenticated link\(s\), 0 coordinator\(s\) with the wrong key$/;
    await expect.poll(() => target.getByTestId('node-refused').textContent().catch(() => ''), { timeout: 5000 }).toMatch(refusedLine);
    await rogue.page.context().close();
  });

  it('a page that takes the coordinator\'s id after it goes away gets nothing obeyed; the real tab comes back', async () => {
    const url = new URL(joinUrl);
    const room = url.searchParams.get('room')!;
    const token = url.searchParams.get('token')!;
    const before = await Promise.all(nodes.map(figures));
    // The coordinator tab navigates away (its sessionStorage, with the room's key, stays with the tab).
    await coordinator.goto('about:blank');
    // An impostor knows room and token (they are in the join URL) and takes the room's id.
    const context = await browser.newContext();
    await context.addInitScript(([r, t]) => sessionStorage.setItem('carbonedge:coordinator-room', JSON.stringify({ room: r, token: t })), [room, token]);
    const impostor = await context.newPage();
    errors.push(watchPageErrors(impostor));
    await impostor.goto(`${server.localUrl}/`);
    const impostorUrl = new URL(await joinUrlOf(impostor));
    expect(impostorUrl.searchParams.get('room')).toBe(room);
    expect(impostorUrl.searchParams.get('fp')).not.toBe(url.searchParams.get('fp'));
    // Both nodes refuse it, say why on the page, and keep trying.
    for (const page of nodes) {
      await page.waitForFunction(
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        () => (document.querySelector('ce-app') as any)?.shadowRoot?.querySelector('ce-node-page')?.session?.node.refusedCoordinators >= 1,
        undefined,
        { timeout: 30_000, polling: 200 },
      );
      await page.waitForFunction(
        () => /refused the coordinator: coordinator key \S+ does not match the join URL's fingerprint/.test(document.querySelector('ce-app')?.shadowRoot?.querySelector('ce-node-page')?.shadowRoot?.querySelector('[data-testid="node-state"]')?.textContent ?? ''),
        undefined,
        { timeout: 30_000, polling: 100 },
      );
    }
    // The impostor never gets a ready node, so it cannot run anything on them.
    expect(await readyRows(impostor)).toBe(0);
    const during = await Promise.all(nodes.map(figures));
    during.forEach((f, i) => {
      expect(f.executions).toBe(before[i]!.executions);
      expect(f.lastRefusal).toMatch(/does not match the join URL's fingerprint/);
    });
    await context.close();
    // The real tab comes back with its kept key: both nodes rejoin it.
    await coordinator.goto(`${server.localUrl}/`);
    await coordinator.locator('ce-node-table tr[data-state="ready"]').nth(1).waitFor({ timeout: 60_000 });
    expect(await coordinator.getByTestId('join-url').getAttribute('href')).toBe(joinUrl);
    for (const page of nodes) await expect(page.getByTestId('node-state').getAttribute('data-state')).resolves.toBe('ready');
    expect(errors.flat()).toEqual([]);
  });
});
