/**
 * Audits (issue 13, finding 1: a stage returning noise, zeros or a constant pattern had 40/40
 * results reported ok). Random spot checks with redundant execution, as volunteer-computing
 * systems do (BOINC's redundancy and quorum, random spot checks): a configurable share of requests
 * (default 5%) is chosen, and for each slice of a chosen request an independent host (another node,
 * or the coordinator's own worker) re-executes the slice on the same input. The outputs are
 * compared with {@link compareOutputs}' tolerance. When two executions disagree a third host
 * breaks the tie; the host outvoted 2 to 1 gets a strike. A host with `quarantineAfter` strikes
 * (default 2) is quarantined, to be planned around, and every earlier result it contributed to in
 * the run is marked suspect. Pure and clock-free: the caller runs executions, this decides.
 *
 * With one dishonest host at a time, attribution is always right: two honest executions agree, so
 * the liar is the odd one out. Colluding hosts that return the same wrong output can outvote an
 * honest one; the coordinator's own worker as the third host removes that case.
 */
import { compareOutputs, type OutputTolerance } from './compare-outputs';
import type { TensorData } from '../runtime/tensor';

/** Options of an {@link AuditBook}. */
export interface AuditOptions {
  /** Share of requests audited, 0..1 (default 0.05). */
  readonly rate?: number;
  /** Strikes (attributed mismatches) that quarantine a host (default 2). */
  readonly quarantineAfter?: number;
  /** Comparison tolerance (defaults in compare-outputs.ts). */
  readonly tolerance?: OutputTolerance;
  /** Uniform [0, 1) source for choosing requests (default Math.random; seeded in tests). */
  readonly random?: () => number;
}

/** One execution of a slice: who ran it and what came out. */
export interface SliceExecution {
  /** The host (node id, or e.g. 'coordinator' for the coordinator's worker). */
  readonly host: string;
  /** Its outputs by name. */
  readonly outputs: Readonly<Record<string, TensorData>>;
}

/** What to do after {@link AuditBook.judge}. */
export type AuditVerdict =
  | { readonly kind: 'agree' }
  /** Two executions disagree: run the slice on a third host, not one of `exclude`, and judge all three. */
  | { readonly kind: 'need-third'; readonly exclude: readonly string[]; readonly reason: string }
  /** The odd one out of three; `quarantined` when this strike crossed the threshold. */
  | { readonly kind: 'attributed'; readonly culprit: string; readonly quarantined: boolean; readonly reason: string }
  /** All three disagree: nobody is blamed (counted). */
  | { readonly kind: 'inconclusive'; readonly reason: string };

/** Counters (numbers only, for the dashboard, the ledger's notes and the lab report). */
export interface AuditStats {
  /** Requests chosen for audit. */
  readonly requestsAudited: number;
  /** Slice comparisons judged (two or three executions). */
  readonly slicesJudged: number;
  /** Comparisons where two executions disagreed. */
  readonly mismatches: number;
  /** Third executions asked for. */
  readonly tiebreaks: number;
  /** Strikes given. */
  readonly attributed: number;
  /** Three-way disagreements. */
  readonly inconclusive: number;
  /** Hosts quarantined. */
  readonly quarantined: number;
  /** Results marked suspect. */
  readonly suspectResults: number;
}

/** Thrown on options out of range. */
export class AuditOptionsError extends Error {
  override name = 'AuditOptionsError';
}

/** Audit state of one run. */
export class AuditBook {
  private readonly rate: number;
  private readonly quarantineAfter: number;
  private readonly random: () => number;
  private readonly strikes = new Map<string, number>();
  private readonly quarantinedHosts = new Set<string>();
  private readonly resultsByHost = new Map<string, Set<string>>();
  private readonly suspectIds = new Set<string>();
  private counts = { requestsAudited: 0, slicesJudged: 0, mismatches: 0, tiebreaks: 0, attributed: 0, inconclusive: 0, quarantined: 0 };

  constructor(private readonly options: AuditOptions = {}) {
    this.rate = options.rate ?? 0.05;
    this.quarantineAfter = options.quarantineAfter ?? 2;
    if (!(this.rate >= 0 && this.rate <= 1)) throw new AuditOptionsError(`audit rate must be in 0..1, got ${this.rate}`);
    if (!Number.isInteger(this.quarantineAfter) || this.quarantineAfter < 1) throw new AuditOptionsError(`quarantineAfter must be a positive integer, got ${this.quarantineAfter}`);
    this.random = options.random ?? Math.random;
  }

  /** Draw whether the next request is audited (call once per request, before sending it). */
  shouldAudit(): boolean {
    const chosen = this.random() < this.rate;
    if (chosen) this.counts.requestsAudited++;
    return chosen;
  }

  /** Remember which hosts produced a request's result, so a later quarantine can mark it suspect. */
  recordResult(requestId: string, hosts: Iterable<string>): void {
    for (const host of hosts) {
      let set = this.resultsByHost.get(host);
      if (!set) this.resultsByHost.set(host, (set = new Set()));
      set.add(requestId);
      if (this.quarantinedHosts.has(host)) this.suspectIds.add(requestId);
    }
  }

  /**
   * Judge two or three executions of the same slice on the same input. Two that agree: 'agree';
   * two that disagree: 'need-third'; three: the one outvoted 2-1 gets a strike ('attributed'),
   * or 'inconclusive' when no two agree.
   */
  judge(executions: readonly SliceExecution[]): AuditVerdict {
    if (executions.length < 2 || executions.length > 3) throw new AuditOptionsError(`judge takes 2 or 3 executions, got ${executions.length}`);
    const hosts = executions.map((e) => e.host);
    if (new Set(hosts).size !== hosts.length) throw new AuditOptionsError(`executions must come from distinct hosts, got ${hosts.join(', ')}`);
    this.counts.slicesJudged++;
    const tol = this.options.tolerance ?? {};
    const agree = (x: SliceExecution, y: SliceExecution) => compareOutputs(x.outputs, y.outputs, tol).ok && compareOutputs(y.outputs, x.outputs, tol).ok;
    const [a, b, c] = executions as [SliceExecution, SliceExecution, SliceExecution | undefined];
    if (!c) {
      if (agree(a, b)) return { kind: 'agree' };
      this.counts.mismatches++;
      this.counts.tiebreaks++;
      return { kind: 'need-third', exclude: hosts, reason: `${a.host} and ${b.host} disagree: ${compareOutputs(a.outputs, b.outputs, tol).reason ?? compareOutputs(b.outputs, a.outputs, tol).reason}` };
    }
    const ab = agree(a, b);
    const ac = agree(a, c);
    const bc = agree(b, c);
    if (ab && ac && bc) return { kind: 'agree' };
    const culprit = ab && !ac && !bc ? c : ac && !ab && !bc ? b : bc && !ab && !ac ? a : undefined;
    if (!culprit) {
      this.counts.inconclusive++;
      return { kind: 'inconclusive', reason: `no two of ${hosts.join(', ')} agree` };
    }
    return this.strike(culprit.host, `${culprit.host} disagrees with ${hosts.filter((h) => h !== culprit.host).join(' and ')}, which agree`);
  }

  /**
   * Judge a host's execution against a trusted referee's (the coordinator's own worker: the user's
   * machine). Agreement: 'agree'; disagreement: the host gets a strike ('attributed'), no third
   * execution needed.
   */
  judgeWithReferee(execution: SliceExecution, referee: SliceExecution): AuditVerdict {
    if (execution.host === referee.host) throw new AuditOptionsError(`the referee must be another host than ${execution.host}`);
    this.counts.slicesJudged++;
    const tol = this.options.tolerance ?? {};
    const there = compareOutputs(referee.outputs, execution.outputs, tol);
    const back = there.ok ? compareOutputs(execution.outputs, referee.outputs, tol) : there;
    if (there.ok && back.ok) return { kind: 'agree' };
    this.counts.mismatches++;
    return this.strike(execution.host, `${execution.host} disagrees with the referee ${referee.host}: ${back.reason ?? there.reason ?? 'outputs differ'}`);
  }

  private strike(host: string, reason: string): AuditVerdict {
    this.counts.attributed++;
    const strikes = (this.strikes.get(host) ?? 0) + 1;
    this.strikes.set(host, strikes);
    let quarantined = false;
    if (strikes >= this.quarantineAfter && !this.quarantinedHosts.has(host)) {
      this.quarantinedHosts.add(host);
      this.counts.quarantined++;
      quarantined = true;
      for (const id of this.resultsByHost.get(host) ?? []) this.suspectIds.add(id);
    }
    return { kind: 'attributed', culprit: host, quarantined, reason: `${reason} (strike ${strikes} of ${this.quarantineAfter})` };
  }

  /** Whether a host is quarantined (plan around it; do not pick it as an auditor either). */
  isQuarantined(host: string): boolean {
    return this.quarantinedHosts.has(host);
  }

  /** Quarantined hosts. */
  get quarantined(): readonly string[] {
    return [...this.quarantinedHosts];
  }

  /** Strikes of a host. */
  strikesOf(host: string): number {
    return this.strikes.get(host) ?? 0;
  }

  /** Whether a request's result is suspect (a quarantined host contributed to it). */
  isSuspect(requestId: string): boolean {
    return this.suspectIds.has(requestId);
  }

  /** Every suspect result. */
  get suspects(): readonly string[] {
    return [...this.suspectIds];
  }

  /** Counters, a snapshot. */
  get stats(): AuditStats {
    return { ...this.counts, suspectResults: this.suspectIds.size };
  }
}
