/**
 * The lab's programmatic run API on the coordinator page (issue 7): `window.carbonedgeLab.run()`
 * plans (or pins), deploys and streams a run with {@link startRun} - the Run panel's own code path -
 * and resolves with what it measured: outcomes, every ledger row, placement, planning time. The
 * page holds no lab logic beyond this; `carbonedge experiment` drives it through playwright.
 */
import type { CarbonedgeLabApi, LabNodeInfo, LabOutcome, LabQuiet, LabRunRecord, LabRunSettings, LabSettle } from '../lab/lab-api';
import { summariseRows } from '../carbon/ledger';
import { randomFeeds, toPlanModel, type ModelProfile } from '../graph/index';
import type { TensorData } from '../runtime/tensor';
import { choosePlacement, inputBytes, predictPlacement, STREAM_INPUT_BUDGET_BYTES, submitStream, type LinkSource } from '../swarm/run-session';
import { placementChoiceOf } from '../plan/choose-placement';
import type { Coordinator } from '../swarm/coordinator';
import type { NodeId } from '../protocol/ids';
import type { RequestOutcome, RunController } from '../swarm/run-controller';
import { carbonOf, isPlannable, toPlanNode } from '../swarm/plan-inputs';
import { startRuntimeWorker, type RuntimeClient } from './runtime-client';
import { profileCatalogueModel, startRun } from './run-session';
import { fastestWholeModelMs } from '../lab/configurations';
import { bulkMoveOptions, runLinkProbe } from '../cost/link-probe';

declare global {
  interface Window {
    /** Lab hook: programmatic runs for `carbonedge experiment`. */
    carbonedgeLab?: CarbonedgeLabApi;
    /** Installed by the lab's runner: wait for a quiet machine (src/lab/lab-api.ts LabSettle). */
    carbonedgeLabSettle?: LabSettle;
  }
}

function nodeInfos(coordinator: Coordinator, links?: LinkSource): LabNodeInfo[] {
  return coordinator.nodes().map((n) => {
    const { intensity, power } = carbonOf(n);
    const rates = (n.benchmark?.backends ?? []).map((b) => (b.available ? b.flopsPerSecond ?? 0 : 0));
    return {
      nodeId: n.nodeId,
      name: n.name,
      state: n.state,
      simulated: n.simulated,
      slowdown: n.profile?.slowdown ?? 1,
      flopsPerSecond: Math.max(0, ...rates),
      gramsCo2PerKwh: intensity.gramsCo2PerKwh,
      intensitySource: `${intensity.source} ${intensity.zone}`,
      powerLabel: power.label,
      ...(isPlannable(n) ? { planNode: toPlanNode(n) } : {}),
      linkMeasured: links?.has(n.nodeId) ?? false,
    };
  });
}

/** Run one configuration to the end; failures come back as `error`, never as a rejection. */
async function labRun(coordinator: Coordinator, runtime: () => Promise<RuntimeClient>, asked: LabRunSettings, links?: LinkSource): Promise<LabRunRecord> {
  let deployMs = 0;
  let settings = asked;
  const base = { settings, nodeNames: {}, outcomes: [], rows: [], runWallMs: 0, planningMs: 0, deployMs: 0, replans: 0 };
  try {
    // A relative latency budget: factor x the fastest whole-model latency measured earlier in the
    // repetition when the lab passes it, else x the fastest whole-model placement predicted here.
    let basis: 'measured' | 'predicted' | undefined;
    if (asked.latencyBudgetFactor !== undefined && asked.fastestWholeModelMs !== undefined) {
      basis = 'measured';
      settings = { ...asked, constraints: { ...asked.constraints, latencyBudgetMs: asked.latencyBudgetFactor * asked.fastestWholeModelMs } };
    } else if (asked.latencyBudgetFactor !== undefined) {
      basis = 'predicted';
      const model = toPlanModel(await profileCatalogueModel(asked.model, await runtime()));
      const plannable = coordinator.nodes().filter(isPlannable);
      const fastest = fastestWholeModelMs(plannable.map(toPlanNode), (node) => {
        const name = plannable.find((r) => r.nodeId === node.id)!.name;
        const r = choosePlacement({ ...asked, constraints: {}, pin: [name], stages: 1, ratePerSecond: 0 }, model, plannable, { replan: false }, links);
        return r.ok ? r.placement.prediction.latencyMs : undefined;
      });
      if (fastest === undefined) throw new Error('no node can run the whole model: a relative latency budget has nothing to scale');
      settings = { ...asked, constraints: { ...asked.constraints, latencyBudgetMs: asked.latencyBudgetFactor * fastest } };
    }
    // Warm-up requests first (a fresh onnxruntime session compiles its kernels on the first run);
    // they are run through the same pipeline but left out of every figure and ledger row returned.
    // The measured requests are queued right behind them, so the pipeline never drains between the
    // two: the calibration is the run's first `warmup` inferences, as the Run panel's would be, and
    // the prediction made when the last of them returns is compared with what the rest measured.
    //
    // A planner run with a latency budget is checked after its warm-up instead (the controller's
    // own check, made here at a known point rather than at its 10th result): when the warm-up
    // measured it over the budget it re-plans, and the new placement gets a warm-up of its own
    // before the measured requests, so that what is measured is the placement that was kept.
    const warmup = Math.max(1, settings.warmup ?? 2);
    let settledAfterDeploy: LabQuiet | undefined;
    // The measured requests' inputs are made now, before anything runs (as many as the stream's
    // budget holds; the rest when they are sent): made during the run, they would take the
    // coordinator's main thread from the warm-up the calibration measures (docs/decisions.md).
    const premade = premadeInputs(await profileCatalogueModel(settings.model, await runtime()), settings.inferences, settings.seed);
    const budgeted = settings.constraints?.latencyBudgetMs !== undefined && placementChoiceOf(settings).kind === 'planner';
    const { controller, done: warm, submitted: warmSubmitted, profile, planningMs } = await startRun(
      coordinator,
      await runtime(),
      { ...settings, inferences: warmup, seed: settings.seed + 1_000_000, ratePerSecond: 0 },
      (event) => {
        if (event.kind === 'deployed') deployMs = event.deployMs;
      },
      links,
      {
        budgetCheckAfter: 0,
        // The deployed slices' kernels are optimised by the pages' compile threads for seconds after
        // the deployment (docs/decisions.md, "The lab waits for a quiet machine after each deployment"):
        // the runner waits for them to finish before the warm-up that calibrates the cost model.
        beforeRequests: async () => {
          settledAfterDeploy = await window.carbonedgeLabSettle?.('the warm-up');
        },
      },
    );
    // startRun resolves once the session started (deployed); it submits its warm-up requests next.
    // Replicated pipelines share the requests: each gets `warmup` of its own (the first batch plus
    // (pipelines - 1) x warmup more), or the one with the smallest share calibrates on one or two.
    // Each batch is streamed (inputs made as they are sent: src/swarm/run-session.ts submitStream)
    // and starts once the one before it submitted its last request, so that batches never mix.
    const stream = (count: number, seedBase: number, make = (i: number) => randomFeeds(profile.index, profile.inputShapes, seedBase + i)) =>
      submitStream(controller, count, make, { window: settings.window ?? 3 });
    const pipelines = () => controller.placement?.pipelines.length ?? 1;
    await warmSubmitted;
    const extra = stream((pipelines() - 1) * warmup, settings.seed + 1_500_000);
    await extra.submitted;
    const measure = () => stream(settings.inferences, settings.seed, premade).outcomes;
    let pending: Promise<RequestOutcome[]> = budgeted ? Promise.resolve([]) : measure();
    const warmOutcomes = [...(await warm), ...(await extra.outcomes)];
    const warmIds = new Set(warmOutcomes.map((o) => `r${o.requestId}`));
    const slicesPerRequest = () => controller.placement?.pipelines[0]?.slices.length ?? 1;
    // The calibration is read below: first let the warm-up's last `executed` reports in (they may
    // come after the results, and the last slice's last ones were often not yet fed to it).
    await executionsRecorded(controller, (id) => warmIds.has(id), warmOutcomes.filter((o) => o.ok).length * slicesPerRequest());
    let budgetCheck: LabRunRecord['budgetCheck'];
    let budgetReplans = 0;
    if (budgeted) {
      // Check, and after each re-plan warm the new placement up and check it too (the controller
      // allows 2 budget re-plans a run); the measured requests follow the last warm-up at once.
      for (let round = 1; ; round++) {
        const check = controller.checkLatencyBudget();
        if (check.outcome === 'replanned') budgetReplans++;
        budgetCheck = { outcome: check.outcome, reason: check.reason, ...(check.measuredMs !== undefined ? { measuredMs: check.measuredMs } : {}), ...(check.predictedMs !== undefined ? { predictedMs: check.predictedMs } : {}), ...(check.aimedMs !== undefined ? { aimedMs: check.aimedMs } : {}) };
        if (check.outcome !== 'replanned') {
          pending = measure();
          break;
        }
        // The new placement is warmed up on a quiet machine too, once it is deployed.
        while (controller.phase === 'deploying') await new Promise((r) => setTimeout(r, 20));
        settledAfterDeploy = (await window.carbonedgeLabSettle?.('the warm-up after a budget re-plan')) ?? settledAfterDeploy;
        const again = stream(warmup * pipelines(), settings.seed + (1 + round) * 1_000_000);
        for (const o of await again.outcomes) warmIds.add(`r${o.requestId}`);
      }
      if (budgetCheck) budgetCheck = { ...budgetCheck, replans: budgetReplans };
    }
    // What the warm-up measured, applied to the placement that runs (not to a new plan): the
    // prediction the calibrated cost model makes of what is about to be measured.
    const predictionsAfterWarmup = controller.calibration.rows();
    const plannable = coordinator.nodes().filter(isPlannable);
    const running = controller.placement;
    const calibrated = running
      ? predictPlacement({ ...settings, ratePerSecond: 0 }, toPlanModel(profile), plannable, controller.planContext(true), running, links)
      : undefined;
    const t0 = performance.now();
    const outcomes = await pending;
    const runWallMs = performance.now() - t0;
    // Every measured execution in the ledger before stopping, or the last ones would be missing.
    await executionsRecorded(controller, (id) => !warmIds.has(id), outcomes.filter((o) => o.ok).length * slicesPerRequest());
    if ((settings.auditRate ?? 0) > 0) await Promise.race([controller.auditsSettled(), new Promise((r) => setTimeout(r, 10_000))]);
    controller.stop('lab run finished');
    const names = Object.fromEntries(coordinator.nodes().map((n) => [n.nodeId, n.name]));
    const a = controller.auditStats;
    const rows = controller.ledger.rows().filter((r) => !warmIds.has(r.inferenceId));
    const labOutcomes: LabOutcome[] = outcomes.map((o) =>
      o.ok ? { requestId: o.requestId, ok: true, latencyMs: o.latencyMs, attempts: o.attempts } : { requestId: o.requestId, ok: false, attempts: o.attempts, reason: o.reason },
    );
    return {
      ...base,
      settings,
      error: '',
      ...(controller.placement ? { placement: controller.placement } : {}),
      nodeNames: names,
      ...((settings.auditRate ?? 0) > 0
        ? { audits: { requestsAudited: a.requestsAudited, slicesJudged: a.slicesJudged, mismatches: a.mismatches, quarantined: a.quarantinedNodes.map((id) => names[id] ?? id), refereeMs: a.refereeMs } }
        : {}),
      outcomes: labOutcomes,
      rows,
      summary: summariseRows(rows),
      runWallMs,
      planningMs: planningMs(),
      deployMs,
      replans: controller.stats.replans,
      ...(calibrated?.ok ? { calibratedPrediction: calibrated.placement.prediction } : {}),
      ...(settings.constraints?.latencyBudgetMs !== undefined ? { latencyBudgetMs: settings.constraints.latencyBudgetMs } : {}),
      ...(basis ? { latencyBudgetBasis: basis } : {}),
      ...(budgetCheck ? { budgetCheck } : {}),
      predictionsAfterWarmup,
      predictions: controller.calibration.rows(),
      ...(settledAfterDeploy ? { settledAfterDeploy } : {}),
    };
  } catch (error) {
    return { ...base, error: (error as Error).message };
  }
}

/**
 * Wait (at most 3 s) until the run's ledger holds `expected` execution rows of the requests `ids`
 * picks: a node's `executed` report may arrive after the result it produced. Counted as they come
 * (rowsFrom: no copy of the whole ledger every 20 ms).
 */
async function executionsRecorded(controller: RunController, ids: (inferenceId: string) => boolean, expected: number): Promise<void> {
  let counted = 0;
  let cursor = 0;
  const executions = () => {
    const fresh = controller.ledger.rowsFrom(cursor);
    cursor += fresh.length;
    counted += fresh.filter((r) => r.type === 'execution' && ids(r.inferenceId)).length;
    return counted;
  };
  for (let waitedMs = 0; executions() < expected && waitedMs < 3000; waitedMs += 20) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Inputs of requests seed, seed + 1, ... as `submitStream` asks for them: the first ones made now
 * (as many as {@link STREAM_INPUT_BUDGET_BYTES} holds, all of a run that fits), each handed out
 * once; the rest made when asked.
 */
function premadeInputs(profile: ModelProfile, count: number, seed: number): (i: number) => Record<string, TensorData> {
  const make = (i: number) => randomFeeds(profile.index, profile.inputShapes, seed + i);
  const made: (Record<string, TensorData> | undefined)[] = count > 0 ? [make(0)] : [];
  const bytes = Math.max(1, inputBytes(made[0] ?? {}));
  const n = Math.min(count, Math.max(1, Math.floor(STREAM_INPUT_BUDGET_BYTES / bytes)));
  while (made.length < n) made.push(make(made.length));
  return (i) => {
    const inputs = made[i] ?? make(i);
    made[i] = undefined;
    return inputs;
  };
}

/** Send `benchmark-request` to one node and wait for its new report (a new benchmark object). */
function remeasure(coordinator: Coordinator, nodeId: string, timeoutMs: number): Promise<LabNodeInfo> {
  const before = coordinator.nodes().find((n) => n.nodeId === nodeId);
  if (!before) return Promise.reject(new Error(`no node ${nodeId} in the room`));
  return new Promise<LabNodeInfo>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${before.name} did not benchmark again within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const off = coordinator.onChange(() => {
      const now = coordinator.nodes().find((n) => n.nodeId === nodeId);
      if (!now || now.benchmark === before.benchmark || now.state !== 'ready') return;
      clearTimeout(timer);
      off();
      resolve(nodeInfos(coordinator).find((n) => n.nodeId === nodeId)!);
    });
    if (!coordinator.send(nodeId as NodeId, { kind: 'benchmark-request' })) {
      clearTimeout(timer);
      off();
      reject(new Error(`${before.name} is gone`));
    }
  });
}

/** The largest transfer a lab may ask for in one call (bounds what the page allocates). */
const MAX_MOVE_BYTES = 64 * 1024 * 1024;

/**
 * Move `bytes` to a node as link-probe bulks of at most 512 KiB each, the size of the tensors a run
 * moves (a 4 MiB bulk filled the channel's buffer and crawled at 2-3 MB/s here); see
 * CarbonedgeLabApi.moveBytes.
 */
async function moveBytes(coordinator: Coordinator, nodeId: string, bytes: number): Promise<{ bytes: number; ms: number }> {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_MOVE_BYTES) throw new Error(`bytes must be a whole number in 1..${MAX_MOVE_BYTES}, got ${bytes}`);
  const link = coordinator.linkOf(nodeId as NodeId);
  if (!link) throw new Error(`no link to node ${nodeId}`);
  const r = await runLinkProbe(link, bulkMoveOptions(bytes, 60_000));
  return { bytes: r.bulks.reduce((a, b) => a + b.bytes, 0), ms: r.bulks.reduce((a, b) => a + b.ms, 0) };
}

/** Links as `links` gives them, with the machine's transfer CPU the lab measured (LabRunSettings). */
function withHostTransferCpu(links: LinkSource | undefined, msPerByte: number | undefined): LinkSource | undefined {
  if (msPerByte === undefined) return links;
  return {
    planLinks: (ids) => links?.planLinks(ids) ?? [],
    transferCpuMsPerByte: (ids) => links?.transferCpuMsPerByte(ids),
    has: (id) => links?.has(id) ?? false,
    hostTransferCpuMsPerByte: () => msPerByte,
  };
}

/** Install `window.carbonedgeLab` for this coordinator (idempotent: the last install wins). */
export function installLabHooks(coordinator: Coordinator, links?: LinkSource & { reprobe?(): void }): void {
  let runtime: Promise<RuntimeClient> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  window.carbonedgeLab = {
    version: 1,
    nodes: () => nodeInfos(coordinator, links),
    run(settings) {
      // One run at a time: runs share the swarm.
      const next = queue.then(() => labRun(coordinator, () => (runtime ??= startRuntimeWorker()), settings, withHostTransferCpu(links, settings.hostTransferCpuMsPerByte)));
      queue = next.catch(() => undefined);
      return next;
    },
    // Long enough for a node whose benchmark stalls to start over once (self-benchmark.ts: 150 s, then a fresh worker).
    remeasure(nodeId, timeoutMs = 240_000) {
      const next = queue.then(() => remeasure(coordinator, nodeId, timeoutMs));
      queue = next.catch(() => undefined);
      return next;
    },
    reprobeLinks() {
      links?.reprobe?.();
    },
    moveBytes(nodeId, bytes) {
      const next = queue.then(() => moveBytes(coordinator, nodeId, bytes));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
