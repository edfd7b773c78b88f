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

/** `promise`'s value (wrapped), or undefined once `ms` have passed without it settling. */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<{ readonly value: T } | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise.then((value) => ({ value })), new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))))]);
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
  const bound = formatDuration(guard.timeoutMs);
  for (let tries = 1; ; tries++) {
    const running = attempt();
    const settled = await settledWithin(running, guard.timeoutMs);
    if (settled) return settled.value;
    running.catch(() => undefined);
    guard.abandon();
    if (tries === 2) throw new Error(`${guard.what} did not finish within ${bound}, twice (the second time in a fresh runtime worker): reload this tab and try again`);
    guard.onRetry?.(`${guard.what} did not finish within ${bound}: started a fresh runtime worker and tried again`);
  }
}
