/**
 * Run `fn` at most once per `ms` while calls keep coming (the first call schedules, later ones
 * join it), or at once with {@link Coalesced.flush}. Used by the Run panel to rebuild and save the
 * run's record without copying the ledger on every result.
 *
 * With `share`, the wait also grows with what the last run cost: a scheduled run waits at least
 * its cost / share, so the work takes at most about `share` of the time however large it grows
 * (a run's record grows with every result; rebuilding and saving it costs a pass over every row).
 * A run's cost is its time until `fn` returns, or until the promise it returns settles, unless it
 * returns (or resolves with) a number: then that is its cost in ms (work that waits on something
 * else, as a save waits for the disk, says what it took of this thread).
 */
export interface CoalescedOptions {
  /** Largest share of the time the work may take, in (0, 1]; absent = a fixed `ms`. */
  readonly share?: number;
  /** Clock, ms (default performance.now). */
  readonly now?: () => number;
}

export class Coalesced {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastCostMs = 0;

  constructor(private readonly ms: number, private readonly fn: () => unknown, private readonly options: CoalescedOptions = {}) {
    const share = options.share;
    if (share !== undefined && !(share > 0 && share <= 1)) throw new RangeError(`share must be in (0, 1], got ${share}`);
  }

  /** The wait of the next scheduled run, ms. */
  get delayMs(): number {
    const share = this.options.share;
    return share === undefined ? this.ms : Math.max(this.ms, this.#lastCostMs / share);
  }

  /** Run within {@link delayMs}, unless already scheduled. */
  schedule(): void {
    this.#timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Run now, dropping a scheduled run. */
  flush(): void {
    this.cancel();
    const now = this.options.now ?? (() => performance.now());
    const t0 = now();
    const cost = (result: unknown) => (this.#lastCostMs = typeof result === 'number' && Number.isFinite(result) ? result : now() - t0);
    const result = this.fn();
    if (result instanceof Promise) result.then(cost, () => cost(undefined));
    else cost(result);
  }

  /** Drop a scheduled run. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
