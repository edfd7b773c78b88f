/**
 * `carbonedge experiment` with real browsers: the CarbonEdge server, one headless Chromium, a
 * coordinator page and one page per scenario node (lab URL parameters: name, slowdown, intensity,
 * power), then every configuration R times through `window.carbonedgeLab.run` (src/ui/lab-hooks.ts).
 * Nodes are opened one after the other, and the machine is let go quiet (src/lab/quiet.ts) after
 * each one's report, before each re-measurement and before each configuration, so that one page's
 * benchmark or run does not share the CPU with the tail of another's.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../signaling/server';
import { zooInfo } from '../zoo/index';
import { launchBrowser } from './browser';
import { expandConfigurations, paperChoice, type ExpandedConfiguration, type PaperChoice } from './configurations';
import type { LabNodeInfo, LabQuiet, LabRunRecord, LabRunSettings } from './lab-api';
import { labNodeQuery } from './lab-node-params';
import { aggregate, isWholeModel, judgedSpeed, measureRun, requestRows, speedAgreement, speedBasis, type ExperimentResults, type RepeatMeasure, type RequestRow, type RunRows } from './results';
import type { LabScenario } from './scenario';
import { waitForQuiet, type QuietOptions, type QuietResult } from './quiet';
import { measureHostTransfer } from './host-transfer';

/** The repository root (src/lab/ is two levels down). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A browser experiment could not run (a node never joined, the app did not load, ...). */
export class LabRunError extends Error {
  override name = 'LabRunError';
}

/** Options of {@link runBrowserExperiment}. */
export interface BrowserLabOptions {
  /** Progress lines. */
  readonly progress: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Marker added to Chromium's command line (find the process with `pgrep -f`). */
  readonly tag: string;
  /** How long one node may take to join and benchmark, ms (default 90 s). */
  readonly joinTimeoutMs?: number;
  /** How long to wait for the coordinator's link probes before the first run, ms (default 30 s). */
  readonly linkProbeTimeoutMs?: number;
  /** Rebuild dist/ even when it looks current. */
  readonly forceBuild?: boolean;
  /** Warm-up inferences per run before the measured ones (default {@link LAB_WARMUP}). */
  readonly warmup?: number;
  /** How long to wait before each configuration for every node to be ready again, ms (default 60 s). */
  readonly readyTimeoutMs?: number;
  /** How to wait for a quiet machine before each measurement (src/lab/quiet.ts; tests shorten it). */
  readonly quiet?: QuietOptions;
}

/**
 * Warm-up inferences per lab run: the run's first 10 inferences calibrate the cost model, the
 * report compares the prediction made then with the rest (issue 11's "after calibration").
 */
export const LAB_WARMUP = 10;

/** Rounds of re-measuring every node, one at a time, while their speed x slowdown disagree. */
const REMEASURE_ROUNDS = 2;

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * The built app to serve: dist/ when it is newer than src/ and workers/, else the lab's own build in
 * .cache/lab-dist (built now with vite when missing or stale). The lab never rebuilds dist/ itself,
 * so a concurrent `npm start` or test run serving dist/ is not disturbed.
 */
export async function ensureBuilt(progress: (line: string) => void, force = false): Promise<string> {
  const sources = Math.max(newestMtimeMs(path.join(REPO_ROOT, 'src')), newestMtimeMs(path.join(REPO_ROOT, 'workers')));
  const current = (dir: string) => existsSync(path.join(dir, 'index.html')) && statSync(path.join(dir, 'index.html')).mtimeMs >= sources;
  const dist = path.join(REPO_ROOT, 'dist');
  const own = path.join(REPO_ROOT, '.cache', 'lab-dist');
  if (!force && current(dist)) return dist;
  if (!force && current(own)) return own;
  progress(`building the app into ${path.relative(REPO_ROOT, own)} (vite build)...`);
  const { build } = await import('vite');
  await build({ root: REPO_ROOT, logLevel: 'error', build: { outDir: own, emptyOutDir: true } });
  return own;
}

async function waitForNode(coordinator: Page, page: Page, name: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new LabRunError('interrupted');
    const nodes = await coordinator.evaluate(() => window.carbonedgeLab!.nodes());
    if (nodes.some((n) => n.name === name && n.state === 'ready' && n.planNode)) return;
    const error = await page.evaluate(() => document.querySelector('ce-app')?.shadowRoot?.querySelector('ce-node-page')?.shadowRoot?.querySelector('[data-testid="node-error"]')?.textContent?.trim() ?? '');
    if (error) throw new LabRunError(`node ${name} could not join: ${error}`);
    if (Date.now() > deadline) throw new LabRunError(`node ${name} never joined and benchmarked within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** "NAME (state), ..." of nodes that are not ready. */
function describeUnready(list: readonly { name: string; state: string }[]): string {
  return list.map((w) => `${w.name} (${w.state})`).join(', ');
}

/**
 * Before a configuration runs, every node is ready again: a node that is not ready for a moment
 * (re-joining, say) is not plannable, and a configuration pinned on it would fail. Waits up to
 * `timeoutMs`, saying whom it waits for; returns who is still not ready then, with their states
 * (empty when all are), and the configuration runs anyway (and fails as before if it needs them).
 */
export async function waitAllReady(coordinator: Page, names: readonly string[], label: string, timeoutMs: number, progress: (line: string) => void, signal?: AbortSignal): Promise<{ name: string; state: string }[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (signal?.aborted) throw new LabRunError('interrupted');
    const nodes = await coordinator.evaluate(() => window.carbonedgeLab!.nodes());
    const waiting = names.flatMap((name) => {
      if (nodes.some((x) => x.name === name && x.state === 'ready' && x.planNode)) return [];
      const n = nodes.find((x) => x.name === name);
      return [{ name, state: n ? (n.state === 'ready' ? 'ready, no benchmark' : n.state) : 'not in the room' }];
    });
    if (waiting.length === 0 || Date.now() > deadline) return waiting;
    const line = `before ${label}: waiting for ${describeUnready(waiting)}`;
    if (line !== last) progress((last = line));
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Wait for a quiet machine before `what` (see src/lab/quiet.ts); says so when it waited more than one
 * window or gave up, so a report read later shows how the measurement began. Returns what it saw.
 */
async function settle(what: string, options: BrowserLabOptions): Promise<QuietResult> {
  const r = await waitForQuiet({ ...options.quiet, ...(options.signal ? { signal: options.signal } : {}) });
  if (options.signal?.aborted) throw new LabRunError('interrupted');
  const cores = `${r.busyCores.toFixed(2)} cores busy`;
  if (!r.quiet) options.progress(`before ${what}: the machine stayed busy for ${(r.waitedMs / 1000).toFixed(0)} s (${cores}); going on`);
  else if (r.waitedMs > (options.quiet?.windowMs ?? 1000)) options.progress(`before ${what}: waited ${(r.waitedMs / 1000).toFixed(0)} s for a quiet machine (${cores})`);
  return r;
}

/** Bytes the coordinator sends each page to time the machine's transfer CPU (src/lab/host-transfer.ts). */
const HOST_TRANSFER_BYTES = 6 * 1024 * 1024;

/**
 * What moving a byte between pages costs this machine, ms of CPU (src/lab/host-transfer.ts): the
 * coordinator sends {@link HOST_TRANSFER_BYTES} to each page whose link was measured, one at a time
 * in a quiet room. Undefined (plans charge the pages' main threads only) when none could be timed.
 */
async function machineTransferCpu(coordinator: Page, nodes: readonly LabNodeInfo[], options: BrowserLabOptions): Promise<number | undefined> {
  const linked = nodes.filter((n) => n.linkMeasured);
  if (!linked.length) return undefined;
  const rest = await settle('timing what moving bytes costs', options);
  try {
    const moves = linked.map((n) => () => coordinator.evaluate(([id, bytes]) => window.carbonedgeLab!.moveBytes(id, bytes), [n.nodeId, HOST_TRANSFER_BYTES] as const));
    const r = await measureHostTransfer(moves, { restCores: rest.busyCores });
    if (!r) return undefined;
    const each = r.samples.map((x, i) => `${linked[i]!.name} ${(x * 1e6).toFixed(0)} at ${(r.bytesPerSecond[i]! / 1e6).toFixed(1)} MB/s`).join(', ');
    options.progress(`moving bytes between pages costs this machine ${(r.msPerByte * 1e6).toFixed(0)} ms of CPU per MB, every process counted (${each}): plans charge it to the pages' shared host`);
    return r.msPerByte;
  } catch (error) {
    options.progress(`could not time what moving bytes costs this machine (${(error as Error).message}): plans charge the pages' main threads only`);
    return undefined;
  }
}

/** Resolve a configuration to the settings of one run (paper modes: pinned on the policy's choice). */
function settingsFor(c: ExpandedConfiguration, scenario: LabScenario, repeat: number, paper: Map<string, PaperChoice>): LabRunSettings {
  const pin = c.paperMode ? [paper.get(c.label)!.node] : c.pin;
  return {
    model: scenario.model,
    mode: c.mode,
    ...(c.weights ? { weights: c.weights } : {}),
    ...(c.constraints ? { constraints: c.constraints } : {}),
    ...(c.latencyBudgetFactor !== undefined ? { latencyBudgetFactor: c.latencyBudgetFactor } : {}),
    stages: c.stages,
    ...(pin ? { pin } : {}),
    inferences: scenario.inferences,
    window: scenario.inFlight,
    ...(scenario.auditRate > 0 ? { auditRate: scenario.auditRate } : {}),
    // The same inputs for every configuration of a repetition; new ones for the next repetition.
    seed: scenario.seed + repeat * scenario.inferences,
  };
}

/**
 * The paper policy's choice per paper-mode configuration, from the nodes' measured speeds: the
 * speed the lab judges them on ({@link judgedSpeed}: their cost models when all have one). The
 * bundled model's one figure was used until 2026-12-05; it times a 2 ms model, and a node page
 * read it 3.4-4.7 GFLOP/s in 1 of 3 back-to-back re-measurements against 16-17 in the others
 * (`bench --only join`), so in one paper run every paper mode, performance included, routed to the
 * node slowed 2.5x while the cost models agreed within 1.05x.
 */
export function resolvePaperModes(configs: readonly ExpandedConfiguration[], scenario: LabScenario, nodes: readonly LabNodeInfo[]): Map<string, PaperChoice> {
  const flops = zooInfo(scenario.model).macs * 2;
  const basis = speedBasis(nodes);
  const candidates = scenario.nodes.map((spec) => {
    const info = nodes.find((n) => n.name === spec.name);
    if (!info?.planNode) throw new LabRunError(`node ${spec.name} has no benchmark`);
    return {
      name: spec.name,
      slowdown: spec.slowdown,
      memoryMb: spec.memoryMb,
      gramsCo2PerKwh: info.gramsCo2PerKwh,
      maxWatts: info.planNode.power.maxWatts,
      execMs: (flops / judgedSpeed(info, basis)) * 1000,
    };
  });
  const out = new Map<string, PaperChoice>();
  for (const c of configs) if (c.paperMode) out.set(c.label, paperChoice(c.paperMode, candidates, scenario.inferences, scenario.seed));
  return out;
}

/** Run the scenario in headless Chromium and return what it measured. Always closes what it opened. */
export async function runBrowserExperiment(scenario: LabScenario, options: BrowserLabOptions): Promise<ExperimentResults> {
  const started = Date.now();
  const { progress, signal } = options;
  const staticDir = await ensureBuilt(progress, options.forceBuild);
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    browser = undefined;
    await server?.stop();
    server = undefined;
  };
  const onAbort = () => void close();
  signal?.addEventListener('abort', onAbort);
  const pageErrors: string[] = [];
  try {
    server = await startServer({ staticDir, port: 0, host: '127.0.0.1' });
    browser = await launchBrowser({ extraArgs: [`--carbonedge-lab=${options.tag}`] });
    const open = async (url: string) => {
      const page = await (await browser!.newContext()).newPage();
      page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
      await page.goto(url);
      return page;
    };
    progress(`server ${server.localUrl}; opening the coordinator`);
    const coordinator = await open(`${server.localUrl}/`);
    // The page's lab hook calls this between a run's deployment and its warm-up (lab-api.ts LabSettle).
    let running = '';
    await coordinator.exposeFunction('carbonedgeLabSettle', async (what: string): Promise<LabQuiet> => {
      const r = await settle(`${what}${running ? ` of ${running}` : ''}`, options);
      return { quiet: r.quiet, waitedMs: r.waitedMs, busyCores: r.busyCores };
    });
    const href = await coordinator.getByTestId('join-url').getAttribute('href', { timeout: 30_000 });
    if (!(await coordinator.evaluate(() => window.carbonedgeLab?.version === 1))) throw new LabRunError('the coordinator page has no lab hook: rebuild the app (carbonedge experiment --build)');
    const joinUrl = `${server.localUrl}/${new URL(href!).search}`;
    for (const [i, node] of scenario.nodes.entries()) {
      const query = labNodeQuery({
        name: node.name,
        slowdown: node.slowdown,
        memoryMb: node.memoryMb,
        // One WASM thread unless the scenario says otherwise (src/lab/README.md, lab node URL parameters).
        threads: node.threads ?? 1,
        ...(node.zone ? { zone: node.zone } : {}),
        ...(node.gramsCo2PerKwh !== undefined ? { intensity: String(node.gramsCo2PerKwh) } : {}),
        ...(node.power ? { watts: String(node.power.maxWatts) } : {}),
        ...(node.power?.idleWatts !== undefined ? { idleWatts: node.power.idleWatts } : {}),
      });
      const t0 = Date.now();
      const page = await open(`${joinUrl}&${query}`);
      await waitForNode(coordinator, page, node.name, options.joinTimeoutMs ?? 90_000, signal);
      progress(`node ${node.name} ready (slowdown x${+node.slowdown.toFixed(3)}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      await settle(i + 1 < scenario.nodes.length ? `opening ${scenario.nodes[i + 1]!.name}` : 'the link probes', options);
    }
    // Every configuration plans with the same links: wait for the coordinator's link probes
    // (src/swarm/link-prober.ts, about a second per node in a quiet room) before the first run,
    // and before any node benchmarks again (a probe moves 1.2 MB through two pages' main threads).
    const probed = async (): Promise<LabNodeInfo[]> => {
      const deadline = Date.now() + (options.linkProbeTimeoutMs ?? 30_000);
      let now = await coordinator.evaluate(() => window.carbonedgeLab!.nodes());
      while (now.some((n) => !n.linkMeasured) && Date.now() < deadline && !signal?.aborted) {
        await new Promise((r) => setTimeout(r, 250));
        now = await coordinator.evaluate(() => window.carbonedgeLab!.nodes());
      }
      return now;
    };
    let nodes = await probed();
    let agreement = speedAgreement(nodes);
    // Benchmarks taken while other pages were starting disagree with the slowdowns: measure each
    // node again, one at a time, now that the room is quiet, and judge those figures instead; a
    // second round when one of them was still disturbed (seen once in three paper runs: 1.85x).
    for (let round = 1; round <= REMEASURE_ROUNDS && agreement.warning; round++) {
      progress(`nodes' measured speed (${agreement.basis}) x slowdown differ ${agreement.ratio.toFixed(2)}x: measuring each node again, one at a time (round ${round} of ${REMEASURE_ROUNDS})`);
      for (const node of nodes) {
        if (signal?.aborted) throw new LabRunError('interrupted');
        await settle(`measuring ${node.name} again`, options);
        const again = await coordinator.evaluate((id) => window.carbonedgeLab!.remeasure(id), node.nodeId);
        const gflops = (n: typeof node) => (judgedSpeed(n, agreement.basis) / 1e9).toFixed(2);
        progress(`node ${again.name}: ${gflops(again)} GFLOP/s by the ${agreement.basis} (was ${gflops(node)})`);
      }
      nodes = await coordinator.evaluate(() => window.carbonedgeLab!.nodes());
      agreement = speedAgreement(nodes);
    }
    progress(agreement.warning ?? `nodes' measured speed (${agreement.basis}) x slowdown agree within ${agreement.ratio.toFixed(2)}x`);
    // Each link was first probed as soon as its node was ready, while that page was still busy after
    // its benchmark: probe them all again now that the room is quiet. (One paper run predicted
    // Node-High's whole model at 96 ms before any run, against 73.5 in the run before with the same
    // compute rates, 73-76 measured: the difference was its hops.)
    await settle('probing the links again', options);
    await coordinator.evaluate(() => window.carbonedgeLab!.reprobeLinks());
    nodes = await probed();
    const unprobed = nodes.filter((n) => !n.linkMeasured).map((n) => n.name);
    progress(unprobed.length ? `links to ${unprobed.join(', ')} not measured: planning them with LAN defaults` : `links to all ${nodes.length} nodes measured`);
    const hostTransferCpu = await machineTransferCpu(coordinator, nodes, options);
    const configs = expandConfigurations(scenario);
    const paper = resolvePaperModes(configs, scenario, nodes);
    for (const [label, choice] of paper) progress(`${label}: the paper's policy routes to ${choice.node} (${Object.entries(choice.usage).map(([n, s]) => `${n} ${(s * 100).toFixed(0)}%`).join(', ')})`);
    const measures: RepeatMeasure[] = [];
    const requests: RequestRow[] = [];
    const runs: RunRows[] = [];
    const total = configs.length * scenario.repetitions;
    const givenUp = new Set<string>();
    let done = 0;
    for (let repeat = 1; repeat <= scenario.repetitions; repeat++) {
      // The fastest whole-model latency measured so far in this repetition: what a relative latency
      // budget scales when a whole-model configuration ran before it (docs/decisions.md, "Lab budgets").
      let fastestWholeMs: number | undefined;
      for (const c of configs) {
        if (signal?.aborted) throw new LabRunError('interrupted');
        const settings = {
          ...settingsFor(c, scenario, repeat - 1, paper),
          warmup: options.warmup ?? LAB_WARMUP,
          ...(hostTransferCpu !== undefined ? { hostTransferCpuMsPerByte: hostTransferCpu } : {}),
          ...(c.latencyBudgetFactor !== undefined && fastestWholeMs !== undefined ? { fastestWholeModelMs: fastestWholeMs } : {}),
        };
        // A node that stayed unready past the bound once is not waited for again.
        const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
        const missing = await waitAllReady(coordinator, nodes.map((n) => n.name).filter((n) => !givenUp.has(n)), `${c.label} #${repeat}`, readyTimeoutMs, progress, signal);
        for (const m of missing) givenUp.add(m.name);
        if (missing.length) progress(`before ${c.label} #${repeat}: still not ready after ${Math.round(readyTimeoutMs / 1000)} s: ${describeUnready(missing)}; running it anyway, and not waiting for them again`);
        await settle(`${c.label} #${repeat}`, options);
        running = `${c.label} #${repeat}`;
        const record = (await coordinator.evaluate((s) => window.carbonedgeLab!.run(s), settings)) as LabRunRecord;
        const paperMs = c.paperMode ? (paper.get(c.label)!.decisionMicroseconds * scenario.inferences) / 1000 : 0;
        const m = measureRun(c.label, repeat, record, paperMs);
        measures.push(m);
        if (!m.error && m.completed > 0 && isWholeModel(m.placement) && !(m.latencyMs >= (fastestWholeMs ?? Infinity))) fastestWholeMs = m.latencyMs;
        requests.push(...requestRows(c.label, repeat, record));
        runs.push({ configuration: c.label, repeat, rows: record.rows });
        done++;
        progress(
          m.error
            ? `[${done}/${total}] ${c.label} #${repeat}: FAILED ${m.error}`
            : `[${done}/${total}] ${c.label} #${repeat}: ${m.completed}/${scenario.inferences} ok, ${m.latencyMs.toFixed(1)} ms, ${m.throughputPerSecond.toFixed(2)}/s, ${m.gramsCo2PerInference.toExponential(3)} gCO2/inf  ${m.placement}`,
        );
      }
    }
    const monolithic = configs.find((c) => c.kind === 'monolithic' && c.pin?.[0] === scenario.monolithicNode)?.label ?? configs[0]!.label;
    const chromium = browser.version();
    return {
      format: 'carbonedge-lab/1',
      scenario: scenario.name,
      method: 'browsers',
      model: scenario.model,
      inferences: scenario.inferences,
      repetitions: scenario.repetitions,
      monolithic,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      environment: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', chromium, isolated: process.env.CARBONEDGE_ISOLATED === '1' ? 'yes' : 'no', ...(hostTransferCpu !== undefined ? { transferCpuMsPerMegabyte: +(hostTransferCpu * 1e6).toFixed(1) } : {}) },
      nodes,
      configurations: aggregate(configs, measures, monolithic, Object.fromEntries([...paper].map(([k, v]) => [k, v.usage]))),
      requests,
      runs,
      notes: [
        ...(agreement.warning ? [agreement.warning] : [`measured speed (${agreement.basis}) x configured slowdown agree within ${agreement.ratio.toFixed(2)}x across the nodes`]),
        'Power figures are estimates (configured per node from the scenario, not metered); energy = P(u) x wall time, u = busy / wall.',
        `Slowdown is a duty cycle in each node's worker (busy t, idle (s-1) t), the analogue of a CPU quota; ${os.cpus().length} cores shared by all pages.`,
        'Paper modes: the paper policy (src/plan/paper-policy.ts) routes every task; the whole model ran pinned on its majority node.',
        ...(pageErrors.length ? [`page errors: ${pageErrors.slice(0, 5).join(' | ')}`] : []),
      ],
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await close();
  }
}
