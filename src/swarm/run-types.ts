/** Types of the run controller (run-controller.ts): options, outcomes, counters, events. */
import type { CarbonLedger } from '../carbon/ledger';
import type { ModelProfile } from '../graph/index';
import type { Placement, PlanResult } from '../plan/plan-types';
import type { TensorData } from '../runtime/tensor';
import type { Coordinator, NodeRecord } from './coordinator';

/** How a request ended. */
export type RequestOutcome =
  | {
      readonly ok: true;
      readonly requestId: number;
      readonly outputs: Record<string, TensorData>;
      /** From the successful send to its result, ms. */
      readonly latencyMs: number;
      /** From submission to result, including retries, ms. */
      readonly totalMs: number;
      readonly attempts: number;
      readonly pipeline: number;
    }
  | { readonly ok: false; readonly requestId: number; readonly reason: string; readonly attempts: number };

/** Options of {@link RunController}. */
export interface RunControllerOptions {
  readonly coordinator: Coordinator;
  readonly profile: ModelProfile;
  /** Plan on the given nodes (the UI's mode and weights live in this closure). */
  readonly planNodes: (nodes: readonly NodeRecord[]) => PlanResult;
  readonly ledger?: CarbonLedger;
  /** Requests in flight per pipeline (default 2, so stages overlap). */
  readonly window?: number;
  /** A request with no result after this long is re-sent (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Deployment must finish within this (default 120 s). */
  readonly deployTimeoutMs?: number;
  /** Sends per request before it fails (default 3; re-sends after a node loss do not count). */
  readonly maxAttempts?: number;
  /** Re-plans allowed before pending requests fail (default 8). */
  readonly maxReplans?: number;
}

/** Counters of a run. */
export interface RunStats {
  submitted: number;
  completed: number;
  failed: number;
  /** Sends beyond the first of a request. */
  resent: number;
  /** Results or frames for abandoned attempts, unknown requests or from the wrong node. */
  droppedResults: number;
  replans: number;
  /** Slices served from nodes' caches / sent as bytes. */
  slicesFromCache: number;
  slicesSent: number;
}

/** Something a dashboard shows. */
export type RunEvent =
  | { readonly kind: 'deployed'; readonly runId: number; readonly placement: Placement; readonly deployMs: number }
  | { readonly kind: 'replanning'; readonly reason: string }
  | { readonly kind: 'result'; readonly outcome: RequestOutcome }
  | { readonly kind: 'error'; readonly reason: string };

/** A run could not start or continue. */
export class RunError extends Error {
  override name = 'RunError';
}

