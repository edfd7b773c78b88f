import { LitElement, css, html, type PropertyDeclaration } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { LedgerSummary } from '../carbon/ledger';
import type { Placement } from '../plan/plan-types';
import type { Coordinator, NodeRecord } from '../swarm/coordinator';
import { toPlanModel } from '../graph/index';
import type { RunHistory } from '../history/history-store';
import { historyToCsv, historyToJson, runFileName } from '../history/history-export';
import type { RunRecord as HistoryRecord } from '../history/run-record';
import type { RequestOutcome, RunController, RunEvent } from '../swarm/run-controller';
import type { DeployProgress } from '../swarm/stage-deployer';
import { measureLinksFirst, predictPlacement, startRunSession, type LinkSource, type RunSession } from '../swarm/run-session';
import { restoreLearning, storeLearning, type RunLearning } from '../swarm/run-learning';
import { calibrationKey } from '../swarm/calibration-feed';
import { isPlannable } from '../swarm/plan-inputs';
import type { RuntimeClient } from './runtime-client';
import { profileInThisTab, type RunSettings } from './run-session';
import type { BaselineGap } from './baselines';
import { Coalesced } from './coalesce';
import { runInsights } from './run-insights';
import { formatBytes, formatBytesPerSecond, formatDuration, formatGramsCo2, formatRate, formatShare } from './format';
import { LiveRun, finalStatus } from './live-run';
import type { PlanWhy } from './plan-why';
import { nodeChangeEvents, runEventLine } from './swarm-state';
import type { SwarmEventView } from './swarm-layout';
import { downloadText } from './download';
import './ce-run-live';
import { ACTIVE_RUN_KEY, LEARNING_KEY, RUN_COUNT_KEY, outcomeLine, readSession, type ActiveRun } from './active-run';
import './ce-run-form';
import type { CeRunForm } from './ce-run-form';

export { outcomeLine } from './active-run';
import './ce-prediction-table';
import { CALIBRATED_CHECK_AFTER, CALIBRATED_LABELS, EndedRows, ResultPace, SliceCheck, planCheckRows, renderPlanCheck } from './plan-vs-run';
import type { PredictionRow } from '../cost/calibration';
import { refereeFor, thisMachine } from './referee';
import type { Referee } from '../swarm/run-session';
import { auditView, type AuditView } from './audit-view';

/** What end-to-end tests read back from the page. */
export interface RunRecord {
  /** Runs of this tab numbered as they start: 1, 2, ... */
  number?: number;
  status: string;
  error: string;
  settings?: RunSettings;
  /**
   * Every result in the order they ended; `outputs` for the first RECORD_OUTPUTS only. `suspect`: a
   * node the audits quarantined contributed to the result.
   */
  outcomes: { requestId: number; ok: boolean; reason?: string; suspect?: boolean; outputs?: Record<string, { dims: number[]; data: number[] }> }[];
  summary?: LedgerSummary;
  placement?: Placement;
  stats?: RunController['stats'];
  /** Audit figures (src/trust/audit.ts), when the run audits. */
  audits?: AuditView;
  /** Time each deployment of the run took, ms (re-plans add more). */
  deployMs?: number[];
  /** Predicted vs measured per slice (the calibration's rows). */
  predictions?: PredictionRow[];
  /** Id of the run in the history (src/history). */
  runId?: string;
  /** What the shown plan was made with (see {@link PlanBasis}). */
  planBasis?: PlanBasis;
  /** Whether the run, once ended, left what it measured for the next run's plan (it fed its calibration). */
  leftLearning?: boolean;
}

/**
 * What a plan was made with: `from` an earlier run's measurements (src/swarm/run-learning.ts), this
 * run's `own`, or the nodes' benchmarks alone, with the `reason` an earlier run's did not apply.
 */
export type PlanBasis = { readonly from: string } | { readonly own: true } | { readonly reason: string };

declare global {
  interface Window {
    /** Test hook: the last run started from the Run panel. */
    carbonedgeRun?: RunRecord;
  }
}

/** How often a running run is saved to the history, ms. */
const SAVE_EVERY_MS = 1000;
/** How often the live view's record is rebuilt while results arrive, ms. */
const VIEW_EVERY_MS = 250;
/** Results whose outputs the test hook's record (window.carbonedgeRun) keeps; later ones keep their id and status. */
export const RECORD_OUTPUTS = 1000;
/** Largest share of the coordinator's main thread the live view's and the history's refreshes take. */
const UPDATE_SHARE = 0.1;
/**
 * Fewest ms between two renders of the panel while a run goes (docs/decisions.md, "The Run panel
 * draws at most 4 times a second"); a change of status is drawn at once.
 */
export const RENDER_EVERY_MS = 250;

/** Events of a node the panel tells its page about (the page marks the node's row). */
export interface NodeFailedDetail {
  readonly nodeId: string;
  readonly reason: string;
}

/**
 * The coordinator's Run panel: choose a catalogue model, a mode or weights, a number of slices,
 * then plan, deploy and stream inferences through the swarm; shows the plan, progress, live charts
 * and the carbon ledger, with CSV/JSON export.
 */
@customElement('ce-run-panel')
export class CeRunPanel extends LitElement {
  static override styles = css`
    table { border-collapse: collapse; font-size: 0.85rem; margin: 8px 0; }
    th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #dde5dd; }
    .error { background: #fdecea; border: 1px solid #e57373; padding: 8px; border-radius: 6px; }
    .figures { display: flex; gap: 18px; flex-wrap: wrap; margin: 8px 0; }
    .figures b { display: block; font-size: 1.1rem; }
  `;

  /** The room's coordinator (what-if overrides applied: src/ui/what-if.ts). */
  @property({ attribute: false }) coordinator: Coordinator | undefined;
  /** Where runs are kept as they go (src/history); none = not kept. */
  @property({ attribute: false }) history: RunHistory | undefined;
  /** Measured links the planner uses instead of LAN defaults (src/swarm/link-prober.ts). */
  @property({ attribute: false }) links: LinkSource | undefined;
  /** Presenter view: the picture and big numbers only. */
  @property({ type: Boolean }) presenter = false;
  /** A tenant's batch uses the swarm (ce-tenants-panel.ts): a new run waits until it ends. */
  @property({ type: Boolean }) blocked = false;
  /** The run as it stands (saved to the history as it goes). */
  @state() private liveRecord: HistoryRecord | null = null;
  @state() private swarmEvents: SwarmEventView[] = [];
  @state() private gaps: readonly BaselineGap[] = [];
  @state() private why: PlanWhy | null = null;
  @state() private nowMs = 0;
  private live: LiveRun | undefined;
  @query('ce-run-form') private form: CeRunForm | undefined;
  private session: RunSession | undefined;
  private lastNodes: readonly NodeRecord[] = [];
  private offNodes: (() => void) | undefined;
  private recordArgs: { status: HistoryRecord['status']; finishedAt: Date | null; error: string | null } = { status: 'running', finishedAt: null, error: null };
  /**
   * Rebuilding a record copies the ledger's rows, and the live view then sums them: at most 4 times
   * a second for the view, and no more than a tenth of the time (its cost: until the view has drawn
   * it), so a long run's view is refreshed less often rather than taking the page...
   */
  private readonly view = new Coalesced(VIEW_EVERY_MS, async () => {
    const t0 = performance.now();
    this.liveRecord = this.currentRecord();
    const built = performance.now();
    await this.updateComplete;
    await this.liveView?.updateComplete;
    // Its cost: the rebuild, then the draw from when it began (not the wait for the panel's next draw).
    return built - t0 + (performance.now() - Math.max(built, this.drawnAtMs));
  }, { share: UPDATE_SHARE });
  /** When the panel last began to draw (performance.now ms). */
  private drawnAtMs = -Infinity;
  /** Set by a change the user made ({@link requestUpdate}): the next draw does not wait. */
  private drawAtOnce = false;
  /** Ends the wait for the next draw early (a change of status). */
  private drawNow: (() => void) | undefined;
  /**
   * ...and once a second for the history (at once on deployments, re-plans and the end), again at
   * most a tenth of this thread's time: saving clones every row (552 ms at 60,000 rows,
   * bench/README.md "ledger"). Its cost is the record's rebuild and what the save took of this
   * thread, not the wait for the disk (a slow disk must not make the history lag).
   */
  private readonly save = new Coalesced(SAVE_EVERY_MS, () => {
    const t0 = performance.now();
    const record = this.currentRecord();
    const history = this.history;
    if (!record || !history) return;
    const buildMs = performance.now() - t0;
    const saved = this.saving.then(() => history.save(record));
    this.saving = saved.then(() => undefined, (e: Error) => this.event(`could not save the run to the history: ${e.message}`));
    return saved.then((ms) => buildMs + ms, () => buildMs);
  }, { share: UPDATE_SHARE });
  @query('ce-run-live') private liveView: LitElement | undefined;
  private tick: ReturnType<typeof setInterval> | undefined;
  private saving: Promise<void> = Promise.resolve();
  /** The run's requests have all ended (or it failed): its record is final. */
  private finished = false;
  private modelForPlan: ReturnType<typeof toPlanModel> | undefined;
  @state() private status = 'idle';
  @state() private error = '';
  @state() private placement: Placement | undefined;
  @state() private planBasis: PlanBasis | undefined;
  /** The first plan's per-slice predictions when it was made with an earlier run's figures (the prediction table shows them). */
  @state() private learnedPlan: { readonly from: string; readonly ms: ReadonlyMap<string, number> } | null = null;
  /**
   * What the last run measured, for the next run's first plan (src/swarm/run-learning.ts); kept in
   * the tab's sessionStorage ({@link LEARNING_KEY}) so that a reload of the tab does not lose it.
   */
  private learned: RunLearning | undefined;
  /** Why the learning kept across a reload could not be read back, when it could not. */
  private learnedLost = '';
  @state() private latencies: number[] = [];
  /** When the run's results came in (the plan check's measured throughput). */
  private pace = new ResultPace();
  /**
   * The placement predicted again by the calibrated cost model once CALIBRATED_CHECK_AFTER results
   * of its deployment were in, and what was measured after them (plan-vs-run.ts).
   */
  @state() private calibrated: { readonly placement: Placement; readonly rows: EndedRows; readonly slices: SliceCheck; readonly latencies: number[]; readonly summary: LedgerSummary | undefined; readonly pace: ResultPace } | undefined;
  /** The ledger rows of the run's ended inferences, for the plan check (plan-vs-run.ts). */
  private checkRows = new EndedRows();
  @state() private checkSummary: LedgerSummary | undefined;
  /** Results in when the current deployment was made. */
  private resultsAtDeploy = 0;
  @state() private summary: LedgerSummary | undefined;
  @state() private events: string[] = [];
  @state() private deploys: DeployProgress[] = [];
  @state() private runNumber = 0;
  /** A run this tab was doing when it reloaded. */
  @state() private interrupted: ActiveRun | undefined;
  /** The run's audits as they stand (null when it does not audit). */
  @state() private audits: AuditView | null = null;
  private referee: Referee | undefined;
  private endedIds = new Set<number>();
  /** The first request id not ended yet (every id below it has ended). */
  private endedPrefix = 1;
  private controller: RunController | undefined;
  /** Set by Stop while the model is still being profiled (no controller yet). */
  private stopRequested = false;
  private runtime: RuntimeClient | undefined;
  private startedMs = 0;
  private record: RunRecord = { status: 'idle', error: '', outcomes: [] };

  private nameOfNode(id: string): string {
    return this.coordinator?.nodes().find((n) => n.nodeId === id)?.name ?? id;
  }

  private settings(): RunSettings | undefined {
    return this.form?.settings();
  }

  private setStatus(status: string, error = ''): void {
    if (status !== this.status || error !== this.error) this.drawNow?.();
    this.status = status;
    this.error = error;
    this.record.status = status;
    this.record.error = error;
  }

  private event(text: string): void {
    this.events = [...this.events.slice(-30), text];
  }

  private swarmEvent(view: SwarmEventView | null): void {
    if (view) this.swarmEvents = [...this.swarmEvents.slice(-30), view];
  }

  /** Rebuild the run's record from the controller's ledger and save it: coalesced while results arrive, at once when `now` or finished. */
  private refreshRecord(status: HistoryRecord['status'] = 'running', finished = false, error: string | null = null, now = false): void {
    if (!this.live || this.finished) return;
    if (finished) {
      this.finished = true;
      this.drawNow?.();
    }
    this.recordArgs = { status, finishedAt: finished ? new Date() : null, error };
    if (now || finished) {
      this.view.flush();
      this.save.flush();
    } else {
      this.view.schedule();
      this.save.schedule();
    }
  }

  private currentRecord(): HistoryRecord | null {
    const { status, finishedAt, error } = this.recordArgs;
    return this.live?.record(status, this.controller?.ledger, finishedAt, error) ?? null;
  }

  /** Baselines and the plan's explanation, from the nodes the placement was made on. */
  private explain(placement: Placement): void {
    if (!this.live || !this.modelForPlan || !this.coordinator) return;
    const settings = this.record.settings;
    const planned = settings && this.controller ? { settings, context: this.controller.planContext(true) } : undefined;
    const insights = runInsights(this.coordinator.nodes(), this.modelForPlan, placement, this.live.configuration, this.links, planned);
    this.live.setBaselines(insights.baselines);
    this.gaps = insights.gaps;
    this.why = insights.why;
  }

  private onNodes(): void {
    const nodes = this.coordinator?.nodes() ?? [];
    const now = performance.now();
    for (const e of nodeChangeEvents(this.lastNodes, nodes, now)) {
      this.swarmEvent(e);
      this.live?.note(e.kind, e.text, now);
    }
    this.lastNodes = nodes;
    this.live?.noteNodes(nodes);
  }

  private onEvent(event: RunEvent): void {
    if (this.finished) return;
    const now = performance.now();
    this.live?.onEvent(event, now);
    this.swarmEvent(event.kind === 'node-failed' ? { atMs: now, kind: 'quarantine', text: `${event.name} failed: ${event.reason}` }
      : event.kind === 'paused' ? { atMs: now, kind: 'replan', text: `paused: ${event.reason}` } : runEventLine(event, now));
    if (event.kind !== 'result' && event.kind !== 'deploy-progress') this.refreshRecord('running', false, null, event.kind === 'deployed');
    switch (event.kind) {
      case 'deployed': {
        const c = this.controller;
        this.planBasis = c ? (c.calibration.rows().length > 0 ? { own: true } : c.firstPlanFrom ?? { reason: 'no earlier run' }) : undefined;
        this.record.planBasis = this.planBasis;
        if (this.planBasis && 'from' in this.planBasis && !this.learnedPlan) {
          this.learnedPlan = { from: this.planBasis.from, ms: new Map(event.placement.pipelines.flatMap((p) => p.slices.map((s) => [calibrationKey(s.nodeId, s.backend, s.sliceRange), s.computeMs] as const))) };
        }
        this.placement = event.placement;
        this.calibrated = undefined;
        this.resultsAtDeploy = this.latencies.length;
        this.record.placement = event.placement;
        this.record.deployMs = [...(this.record.deployMs ?? []), event.deployMs];
        this.explain(event.placement);
        this.refreshRecord('running', false, null, true);
        this.event(`deployed on ${new Set(event.placement.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId))).size} node(s) in ${formatDuration(event.deployMs)}${event.note ? `: ${event.note}` : ''}`);
        if (this.status.startsWith('paused') || this.status === 'planning and deploying' || this.status === 're-planning') this.setStatus('running');
        break;
      }
      case 'deploy-progress': {
        const p = event.progress;
        const others = this.deploys.filter((d) => d.runId === p.runId && !(d.nodeId === p.nodeId && d.sliceIndex === p.sliceIndex));
        this.deploys = [...others, p].sort((a, b) => a.sliceIndex - b.sliceIndex);
        break;
      }
      case 'replanning':
        this.event(`re-planning: ${event.reason}`);
        if (this.status === 'running') this.setStatus('re-planning');
        break;
      case 'node-failed':
        this.event(`${event.name}: ${event.reason}`);
        this.dispatchEvent(new CustomEvent<NodeFailedDetail>('node-failed', { detail: { nodeId: event.nodeId, reason: event.reason }, bubbles: true, composed: true }));
        break;
      case 'paused':
        this.setStatus(`paused: ${event.reason}; waiting up to ${Math.round(event.timeoutMs / 1000)} s for a node to join`);
        this.event(`paused: ${event.reason}`);
        break;
      case 'error':
        this.event(`error: ${event.reason}`);
        break;
      case 'audit-mismatch':
        this.event(`audit: ${event.name}'s outputs disagree with the referee (${event.reason})${event.quarantined ? `; ${event.name} quarantined` : ''}`);
        this.noteAudits();
        break;
      case 'budget':
        if (event.check.outcome !== 'replanned') this.event(`latency budget: ${event.check.reason}`);
        break;
      case 'drift':
        this.event(`${event.name} now runs at ${event.to.toFixed(2)}x its predicted time (was ${event.from.toFixed(2)}x)`);
        break;
      case 'result':
        this.onOutcome(event.outcome);
        break;
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.runNumber = readSession<number>(RUN_COUNT_KEY) ?? 0;
    this.interrupted = readSession<ActiveRun>(ACTIVE_RUN_KEY);
    sessionStorage.removeItem(ACTIVE_RUN_KEY);
    const kept = readSession<unknown>(LEARNING_KEY);
    if (kept !== undefined) {
      try {
        this.learned = restoreLearning(kept);
      } catch (error) {
        this.learnedLost = (error as Error).message;
        sessionStorage.removeItem(LEARNING_KEY);
      }
    }
    window.addEventListener('pagehide', this.keepLearning);
    this.tick = setInterval(() => {
      if (this.live && !this.status.startsWith('done')) this.nowMs = performance.now();
    }, 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('pagehide', this.keepLearning);
    clearInterval(this.tick);
    this.offNodes?.();
  }

  /**
   * While a run goes, every result changes the panel's state (latencies, ledger summaries, plan
   * checks), and each render lays out and paints the page: on a machine the coordinator shares with
   * its nodes that took ~30% of a core from them (docs/decisions.md). The panel draws at most once
   * per RENDER_EVERY_MS while its status is `running`; a change of status (re-planning, done) is
   * drawn at once, so whatever the page says of a finished run is on it when its status is.
   */
  protected override async scheduleUpdate(): Promise<unknown> {
    const wait = this.drawnAtMs + RENDER_EVERY_MS - performance.now();
    if (wait > 0 && this.status === 'running' && !this.finished && !this.drawAtOnce) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => resolve(), wait);
        this.drawNow = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.drawNow = undefined;
    }
    this.drawAtOnce = false;
    this.drawnAtMs = performance.now();
    return super.scheduleUpdate();
  }

  /**
   * What the page changes on a user's click (the presenter view, a tenant run blocking the form) is
   * drawn at once, even while a run goes: the form stayed on screen up to RENDER_EVERY_MS after
   * "Presenter view" (a CI run of test/e2e/dashboard.test.ts caught it).
   */
  override requestUpdate(name?: PropertyKey, oldValue?: unknown, options?: PropertyDeclaration): void {
    super.requestUpdate(name, oldValue, options);
    if (name === 'presenter' || name === 'blocked') {
      this.drawAtOnce = true;
      this.drawNow?.();
    }
  }

  override updated(changed: Map<string, unknown>): void {
    // The interrupted run's record was saved as running: say in the history that the reload ended it.
    if (changed.has('history') && this.history && this.interrupted?.runId) {
      const { runId } = this.interrupted;
      const history = this.history;
      void history.get(runId).then(async (r) => {
        if (!r || r.status !== 'running') return;
        await history.save({ ...r, status: 'stopped', error: 'interrupted: the coordinator tab was reloaded', finishedAt: new Date().toISOString() });
        this.dispatchEvent(new CustomEvent('history-changed', { bubbles: true, composed: true }));
      }).catch((e: Error) => this.event(`history: ${e.message}`));
    }
  }

  private saveActive(): void {
    const settings = this.record.settings;
    if (!settings || this.record.number === undefined) return;
    // Advanced, never recounted from 1: a 100,000-request run would scan its whole set per result.
    while (this.endedIds.has(this.endedPrefix)) this.endedPrefix++;
    const active: ActiveRun = { number: this.record.number, ...(this.live ? { runId: this.live.id } : {}), settings, ended: this.endedIds.size, endedPrefix: this.endedPrefix };
    sessionStorage.setItem(ACTIVE_RUN_KEY, JSON.stringify(active));
  }

  /** Start the requests an interrupted run had not finished, as a new run (same model and choices). */
  private resume(event: Event): void {
    const run = this.interrupted;
    if (!run) return;
    this.interrupted = undefined;
    const from = run.endedPrefix;
    void this.run(event, { ...run.settings, inferences: run.settings.inferences - from + 1, seed: run.settings.seed + from - 1 });
  }

  private onOutcome(outcome: RequestOutcome): void {
    this.endedIds.add(outcome.requestId);
    this.saveActive();
    if (outcome.ok) {
      // In place: a copy per result would cost the run's length each time (quadratic over a long run).
      this.latencies.push(outcome.latencyMs);
      this.requestUpdate('latencies');
      this.pace.note(performance.now());
    }
    this.record.outcomes.push(
      outcome.ok
        ? {
            requestId: outcome.requestId,
            ok: true,
            ...(outcome.suspect ? { suspect: true } : {}),
            // The outputs of the first RECORD_OUTPUTS results only: a long run's would fill the tab.
            ...(this.record.outcomes.length < RECORD_OUTPUTS ? { outputs: Object.fromEntries(Object.entries(outcome.outputs).map(([name, t]) => [name, { dims: [...t.dims], data: Array.from(t.data as ArrayLike<number>, Number) }])) } : {}),
          }
        : { requestId: outcome.requestId, ok: false, reason: outcome.reason },
    );
    this.summary = this.controller?.ledger.summarise();
    this.record.summary = this.summary;
    this.readRows(`r${outcome.requestId}`);
    this.record.predictions = this.controller?.calibration.rows();
    this.record.stats = this.controller ? { ...this.controller.stats } : undefined;
    this.checkCalibrated(outcome);
    this.noteAudits();
    this.refreshRecord();
  }

  /**
   * Take the rows the ledger booked since the last call into the plan checks; `endedId` (a ledger
   * inference id) has just ended. Without one: the rows booked after the last result (its audits).
   */
  private readRows(endedId?: string): void {
    const ledger = this.controller?.ledger;
    if (!ledger) return;
    this.checkRows.update(ledger, endedId);
    this.checkSummary = this.checkRows.summary();
    const c = this.calibrated;
    if (c) {
      c.rows.update(ledger, endedId);
      c.slices.update(ledger);
      this.calibrated = { ...c, summary: c.rows.summary() };
    }
  }

  /**
   * After CALIBRATED_CHECK_AFTER results of a deployment, predict its placement again with what the
   * run measured (as the lab does after its warm-up); then keep what each later result measured.
   */
  private checkCalibrated(outcome: RequestOutcome): void {
    const c = this.calibrated;
    if (c) {
      if (outcome.ok) {
        c.pace.note(performance.now());
        c.latencies.push(outcome.latencyMs);
        this.requestUpdate('calibrated');
      }
      return;
    }
    const placement = this.controller?.placement;
    const settings = this.record.settings;
    if (!outcome.ok || !placement || !settings || !this.modelForPlan || !this.coordinator || !this.controller) return;
    if (this.latencies.length - this.resultsAtDeploy < CALIBRATED_CHECK_AFTER) return;
    const again = predictPlacement(settings, this.modelForPlan, this.coordinator.nodes().filter(isPlannable), this.controller.planContext(true), placement, this.links);
    if (!again.ok) return;
    // The results in so far never count; those still in flight count once they end.
    const rows = new EndedRows(new Set([...this.endedIds].map((id) => `r${id}`)));
    rows.update(this.controller.ledger);
    // Per slice, only executions booked from now on (SliceCheck).
    const slices = new SliceCheck(placement, again.placement, this.controller.ledger.rowCount);
    this.calibrated = { placement: again.placement, rows, slices, latencies: [], summary: undefined, pace: new ResultPace(performance.now()) };
  }

  /** The calibrated check per slice for the prediction table (its rows read once per draw). */
  private sliceCheckView() {
    const slices = this.calibrated?.slices;
    if (!slices) return null;
    const rows = slices.rows();
    return { after: CALIBRATED_CHECK_AFTER, rows, together: slices.together(rows) };
  }

  private async run(event: Event, given?: RunSettings): Promise<void> {
    event.preventDefault();
    if (!this.coordinator) return;
    // What the last run measured plans the next one where it fits (src/swarm/run-learning.ts).
    this.learned = this.controller?.learning() ?? this.learned;
    this.keepLearning();
    this.controller?.stop('superseded by a new run');
    const settings = given ?? this.settings();
    if (!settings) return;
    this.runNumber++;
    sessionStorage.setItem(RUN_COUNT_KEY, JSON.stringify(this.runNumber));
    this.endedIds = new Set();
    this.endedPrefix = 1;
    this.record = { number: this.runNumber, status: 'starting', error: '', settings, outcomes: [] };
    window.carbonedgeRun = this.record;
    this.latencies = [];
    this.pace = new ResultPace();
    this.calibrated = undefined;
    this.resultsAtDeploy = 0;
    this.events = [];
    this.deploys = [];
    this.placement = undefined;
    this.planBasis = undefined;
    this.learnedPlan = null;
    this.summary = undefined;
    this.checkRows = new EndedRows();
    this.checkSummary = undefined;
    this.controller = undefined;
    this.stopRequested = false;
    this.why = null;
    this.gaps = [];
    this.swarmEvents = [];
    this.live = new LiveRun(settings, new Date(), performance.now());
    this.finished = false;
    this.record.runId = this.live.id;
    this.offNodes?.();
    this.lastNodes = this.coordinator.nodes();
    this.live.noteNodes(this.lastNodes);
    this.offNodes = this.coordinator.onChange(() => this.onNodes());
    this.refreshRecord('running', false, null, true);
    this.dispatchEvent(new CustomEvent('run-started', { bubbles: true, composed: true }));
    const record = this.record;
    const live = this.live;
    const cancelledBeforeStart = () => {
      this.setStatus('done: 0 ok, cancelled before it started');
      this.refreshRecord('stopped', true, 'cancelled before it started', true);
      this.dispatchEvent(new CustomEvent('run-finished', { detail: { runId: live.id }, bubbles: true, composed: true }));
    };
    try {
      this.setStatus('profiling the model');
      const { profile, runtime } = await profileInThisTab(settings.model, (message) => {
        if (this.record === record) this.event(message);
      });
      // A replaced worker takes the old one's referee with it.
      if (this.runtime !== runtime) this.referee = undefined;
      this.runtime = runtime;
      this.modelForPlan = toPlanModel(profile);
      if (this.stopRequested || this.record !== record) return cancelledBeforeStart();
      // Links first: a run started right after its nodes joined would plan every hop on the LAN
      // defaults (the prober waits for a quiet room), and on one machine what moving bytes costs it.
      if (this.links?.measurePending) {
        this.setStatus('measuring links');
        const unmeasured = await measureLinksFirst(this.links, (id) => this.nameOfNode(id));
        if (this.record !== record) return;
        if (unmeasured) this.event(unmeasured);
      }
      if (this.stopRequested) return cancelledBeforeStart();
      this.setStatus('planning and deploying');
      if ((settings.auditRate ?? 0) > 0) this.referee ??= refereeFor(runtime);
      this.audits = (settings.auditRate ?? 0) > 0 ? auditView(undefined, settings.auditRate ?? 0, () => '') : null;
      const session = startRunSession(this.coordinator, profile, settings, (e) => {
        if (this.record === record) this.onEvent(e);
      }, { keepOutputs: false, learn: { label: `run ${this.runNumber}`, ...(this.learned ? { prior: this.learned } : {}) }, ...(this.links ? { links: this.links } : {}), ...(this.referee ? { referee: this.referee, refereeHost: thisMachine() } : {}) });
      this.controller = session.controller;
      this.session = session;
      this.startedMs = performance.now();
      await session.started;
      if (this.record !== record) return;
      if (session.controller.phase === 'running') this.setStatus('running');
      const outcomes = await session.done;
      if (this.record !== record) return;
      // Audits are judged after their results: wait for those queued (briefly) so the figures are whole.
      await Promise.race([session.controller.auditsSettled(), new Promise((r) => setTimeout(r, 10_000))]);
      this.noteAudits();
      this.record.stats = { ...session.controller.stats };
      this.record.leftLearning = session.controller.learning() !== undefined;
      this.keepLearning();
      this.summary = session.controller.ledger.summarise();
      this.record.summary = this.summary;
      this.readRows();
      this.setStatus(outcomeLine(outcomes));
      if (this.live === live) this.refreshRecord(finalStatus(outcomes), true, null, true);
      await this.saving;
      sessionStorage.removeItem(ACTIVE_RUN_KEY);
      this.startedMs = performance.now() - this.startedMs;
      this.dispatchEvent(new CustomEvent('run-finished', { detail: { runId: live.id }, bubbles: true, composed: true }));
    } catch (error) {
      if (this.record === record) {
        this.setStatus('error', (error as Error).message);
        if (this.live === live) this.refreshRecord('failed', true, (error as Error).message, true);
        await this.saving;
        this.dispatchEvent(new CustomEvent('run-finished', { detail: { runId: live.id }, bubbles: true, composed: true }));
      }
    }
  }

  /** Take the controller's audit figures into the page (and the test record). */
  private noteAudits(): void {
    const rate = this.record.settings?.auditRate ?? 0;
    if (!this.controller || !(rate > 0)) return;
    const stats = this.controller.auditStats;
    const view = auditView(stats, rate, (id) => this.nameOfNode(id));
    this.audits = view;
    const suspects = new Set(stats.suspects);
    for (const o of this.record.outcomes) if (suspects.has(`r${o.requestId}`)) o.suspect = true;
    if (suspects.size) this.live?.markSuspect(suspects);
    this.record.audits = view;
  }

  private stop(): void {
    this.stopRequested = true;
    this.controller?.stop('stopped by the user');
  }

  /** Re-plan the run in progress, if any (e.g. the page changed what-if intensities). */
  replan(reason: string): void {
    if (!this.controller || this.controller.phase === 'stopped' || this.finished) return;
    // The form's current mode, weights and budget apply to the re-plan (not the ones the run started with).
    const now = this.settings();
    if (now) this.session?.updateSettings({ mode: now.mode, weights: now.weights, constraints: now.constraints });
    this.controller.replan(reason);
  }

  /** Export this run as the history does: nodes by name, the run described on every line, named by run and date. */
  private download(kind: 'csv' | 'json'): void {
    const record = this.liveRecord;
    if (!record) return;
    const text = kind === 'csv' ? historyToCsv([record]) : historyToJson([record]);
    downloadText(text, runFileName(record, kind), kind === 'csv' ? 'text/csv' : 'application/json');
  }

  private renderPlan() {
    if (!this.placement) return '';
    const p = this.placement.prediction;
    return html`<table data-testid="plan-table">
      <thead><tr><th>pipeline</th><th>slice</th><th>graph steps [start, end)</th><th>on node</th><th>backend</th><th>predicted time</th><th>predicted CO2</th><th>data in</th></tr></thead>
      <tbody>
        ${this.placement.pipelines.flatMap((pipe, pi) =>
          pipe.slices.map(
            (s, si) => html`<tr>
              <td>${pi + 1} (${formatShare(pipe.share)})</td><td>${si + 1}</td><td>[${s.sliceRange[0]}, ${s.sliceRange[1]})</td>
              <td class="slice-node">${this.nameOfNode(s.nodeId)}</td><td class="slice-backend">${s.backend === 'webgpu' ? 'WebGPU' : 'WASM'}</td><td>${formatDuration(s.computeMs)}</td><td>${formatGramsCo2(s.gramsCo2)}</td>
              <td>${pipe.hops[si] ? formatBytes(pipe.hops[si].bytes) : '-'}</td>
            </tr>`,
          ),
        )}
      </tbody>
    </table>
    <div>Predicted: ${formatDuration(p.latencyMs)} per inference, ${formatRate(p.throughputPerSecond)}, ${formatGramsCo2(p.gramsCo2)} per inference.</div>
    ${this.renderPlanBasis()}`;
  }

  /**
   * Keeps what the current run (else the last one) measured in the tab's sessionStorage: at the
   * end of a run, when a new one starts, and when the tab is left (a reload mid-run keeps what the
   * cut run had measured).
   */
  private readonly keepLearning = (): void => {
    const learning = this.controller?.learning() ?? this.learned;
    if (!learning) return;
    try {
      sessionStorage.setItem(LEARNING_KEY, JSON.stringify(storeLearning(learning)));
    } catch (error) {
      // A full sessionStorage: the learning then lasts until the tab is reloaded, as before.
      console.warn(`the run's learning was not kept across a reload: ${(error as Error).message}`);
    }
  };

  /** One line on what the plan shown was made with. */
  private renderPlanBasis() {
    const b = this.planBasis;
    if (!b) return '';
    const text = 'from' in b
      ? `Planned with what ${b.from} measured on these nodes (same model, requests in flight and rate); this run's own measurements take over from its first results.`
      : 'own' in b
        ? 'Re-planned with what this run measured.'
        : `Planned from the nodes' benchmarks${b.reason === 'no earlier run' ? (this.learnedLost ? ` (what the runs before this tab's reload measured could not be read back: ${this.learnedLost})` : '') : ` (${b.reason})`}: on a machine the nodes share with this page, a first run often goes slower than planned; the next run of the same model and load starts from what this one measured.`;
    return html`<div data-testid="plan-basis" data-basis=${'from' in b ? 'learned' : 'own' in b ? 'own' : 'benchmarks'} style="font-size:0.8rem;color:#666">${text}</div>`;
  }

  private renderExport() {
    if (!this.liveRecord || !this.status.startsWith('done') && this.status !== 'error') return '';
    return html`<div><button data-testid="run-export-csv" @click=${() => this.download('csv')}>Export this run (CSV)</button>
      <button data-testid="run-export-json" @click=${() => this.download('json')}>Export this run (JSON)</button>
      <span style="font-size:0.8rem;color:#666">Every run is also kept in the history below.</span></div>`;
  }

  private renderDeploys() {
    if (!this.deploys.length || this.status.startsWith('done')) return '';
    const label = (d: DeployProgress) =>
      d.state === 'asked' ? 'asked'
        : d.state === 'sending' ? `downloading ${formatBytes(d.bytesSent)} of ${formatBytes(d.bytesTotal)} at ${formatBytesPerSecond(d.rateBytesPerSecond)}`
          : d.state === 'loading' ? `loading (${formatBytes(d.bytesTotal)} received)`
            : d.state === 'ready' ? (d.fromCache ? 'ready (from its cache)' : 'ready')
              : `failed: ${d.reason ?? ''}`;
    return html`<table data-testid="deploy-progress">
      <thead><tr><th>slice</th><th>node</th><th>deployment</th></tr></thead>
      <tbody>${this.deploys.map((d) => html`<tr data-state=${d.state}><td>${d.sliceIndex + 1}</td><td>${this.nameOfNode(d.nodeId)}</td><td>${label(d)}</td></tr>`)}</tbody>
    </table>`;
  }

  override render() {
    // How the plan checks read the run: requests in flight per pipeline and the pace.
    const settings = this.record.settings;
    const checked = settings ? { window: settings.window ?? 3, ratePerSecond: settings.ratePerSecond } : undefined;
    const busy = this.status === 'profiling the model' || this.status === 'measuring links' || this.status === 'planning and deploying' || this.status === 'running'
      || this.status === 're-planning' || this.status.startsWith('paused');
    const live = html`<ce-run-live .record=${this.liveRecord} .nodes=${this.coordinator?.nodes() ?? []} .placement=${this.placement ?? null}
      .events=${this.swarmEvents} .stats=${this.record.stats ?? null} .audits=${this.audits} .gaps=${this.gaps} .why=${this.why} .nowMs=${this.nowMs} ?presenter=${this.presenter}></ce-run-live>`;
    const status = html`<div data-testid="run-status" data-status=${this.status}>${this.runNumber ? html`<b data-testid="run-number">Run ${this.runNumber}</b> ` : ''}Status: ${this.status}</div>`;
    if (this.presenter) return html`${live}${status}`;
    return html`
      ${live}
      ${this.blocked && !busy ? html`<div data-testid="run-blocked" style="color:#666;font-size:0.85rem">A tenant's batch is running on the swarm: Plan &amp; run is back when it ends.</div>` : ''}
      <ce-run-form ?busy=${busy} ?blocked=${this.blocked && !busy} @run-submit=${(e: Event) => this.run(e)} @run-stop=${() => this.stop()}
        @run-replan=${() => this.replan('the planning mode, weights or latency budget changed')}></ce-run-form>
      ${this.interrupted ? html`<div class="error" data-testid="run-interrupted">
          Run ${this.interrupted.number} (${this.interrupted.settings.model}, ${this.interrupted.settings.inferences} inferences) was
          interrupted when this tab reloaded: ${this.interrupted.ended} had ended; the results of the rest were lost with the tab.
          <button data-testid="run-resume" ?disabled=${this.blocked} @click=${(e: Event) => this.resume(e)}>Run inferences ${this.interrupted.endedPrefix}-${this.interrupted.settings.inferences} again</button>
          <button @click=${() => (this.interrupted = undefined)}>Dismiss</button>
        </div>` : ''}
      ${status}
      ${this.error ? html`<div class="error" role="alert" data-testid="run-error">${this.error}</div>` : ''}
      ${this.renderDeploys()}
      ${this.renderPlan()}
      ${this.placement && checked ? renderPlanCheck(planCheckRows(this.placement, checked, this.latencies, this.checkSummary, this.pace)) : ''}
      ${this.calibrated && checked ? renderPlanCheck(planCheckRows(this.calibrated.placement, checked, this.calibrated.latencies, this.calibrated.summary, this.calibrated.pace), CALIBRATED_LABELS) : ''}
      <ce-prediction-table .rows=${this.record.predictions ?? []} .planned=${this.learnedPlan} .checked=${this.sliceCheckView()} .names=${new Map((this.coordinator?.nodes() ?? []).map((n) => [n.nodeId as string, n.name]))}></ce-prediction-table>
      ${this.renderExport()}
      ${this.events.length ? html`<ul>${this.events.map((e) => html`<li>${e}</li>`)}</ul>` : ''}
      <div style="font-size:0.8rem;color:#666">Catalogue models other than paddle-cls are untrained (seeded random weights): for compute and carbon experiments. Power figures are estimates unless a node says otherwise.</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-run-panel': CeRunPanel;
  }
}
