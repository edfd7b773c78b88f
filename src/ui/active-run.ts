/**
 * What the Run panel keeps in the tab's sessionStorage so a reload of the coordinator tab can say
 * which run it cut short (and offer its remaining inferences again), and the run's closing line.
 */
import type { RequestOutcome } from '../swarm/run-types';
import type { RunSettings } from './run-session';

/** The closing line of a run, in words: "done: 9 ok, 191 cancelled". */
export function outcomeLine(outcomes: readonly RequestOutcome[]): string {
  const ok = outcomes.filter((o) => o.ok).length;
  const cancelled = outcomes.filter((o) => !o.ok && o.cancelled).length;
  const failed = outcomes.length - ok - cancelled;
  return `done: ${[`${ok} ok`, failed ? `${failed} failed` : '', cancelled ? `${cancelled} cancelled` : ''].filter(Boolean).join(', ')}`;
}

/** What survives a reload of the coordinator tab about the run in progress (sessionStorage). */
export interface ActiveRun {
  readonly number: number;
  /** Its id in the history, marked stopped after the reload. */
  readonly runId?: string;
  readonly settings: RunSettings;
  /** Request ids (1-based) that ended. */
  readonly ended: number;
  /** Every request below this id ended (requests end nearly in order). */
  readonly endedPrefix: number;
}

/** sessionStorage key of the run in progress. */
export const ACTIVE_RUN_KEY = 'carbonedge:active-run';
/** sessionStorage key of what the tab's last run measured (src/swarm/run-learning.ts `storeLearning`). */
export const LEARNING_KEY = 'carbonedge:run-learning';
/** sessionStorage key of the tab's run counter. */
export const RUN_COUNT_KEY = 'carbonedge:run-count';

/** A JSON value kept in sessionStorage, or undefined when absent or unreadable. */
export function readSession<T>(key: string): T | undefined {
  try {
    return (JSON.parse(sessionStorage.getItem(key) ?? 'null') as T | null) ?? undefined;
  } catch {
    return undefined;
  }
}
