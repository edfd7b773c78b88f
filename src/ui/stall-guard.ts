/**
 * A bound on work in a runtime worker that may never answer: once, CI saw the coordinator's worker
 * take the whole 180 s of a test to load and profile tinycnn, which takes about a second
 * (docs/decisions.md, "A stalled coordinator worker is replaced once"). Pure: unit-tested under Node.
 */
import { formatDuration } from './format';

/** What {@link retryOnceIfStalled} needs. */
export interface StallGuard {
  /** Says what the work is, for messages: "profiling tinycnn in this tab's runtime worker". */
  readonly what: string;
  /** How long one attempt may take, ms. */
  readonly timeoutMs: number;
  /** Drop whatever hung (terminate the worker, forget its pending results) before the retry. */
  abandon(): void;
  /** Told once, when the first attempt stalled and the second starts. */
  onRetry?(message: string): void;
}

/** `promise`'s value, or `stalled` once `ms` have passed without it settling. */
async function within<T>(promise: Promise<T>, ms: number, stalled: symbol): Promise<T | symbol> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<symbol>((resolve) => (timer = setTimeout(() => resolve(stalled), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Run `attempt`; if it has not settled within `guard.timeoutMs`, abandon it, say so, and run it once
 * more. An attempt that fails (rather than stalls) is not retried: its error is the answer. A second
 * stall rejects with a message naming both attempts.
 */
export async function retryOnceIfStalled<T>(attempt: () => Promise<T>, guard: StallGuard): Promise<T> {
  const stalled = Symbol('stalled');
  const first = attempt();
  const value = await within(first, guard.timeoutMs, stalled);
  if (value !== stalled) return value as T;
  first.catch(() => undefined);
  guard.abandon();
  guard.onRetry?.(`${guard.what} did not finish within ${formatDuration(guard.timeoutMs)}: started a fresh runtime worker and tried again`);
  const second = attempt();
  const again = await within(second, guard.timeoutMs, stalled);
  if (again !== stalled) return again as T;
  second.catch(() => undefined);
  guard.abandon();
  throw new Error(`${guard.what} did not finish within ${formatDuration(guard.timeoutMs)}, twice (the second time in a fresh runtime worker): reload this tab and try again`);
}
