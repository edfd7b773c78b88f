/**
 * Run `fn` at most once per `ms` while calls keep coming (the first call schedules, later ones
 * join it), or at once with {@link Coalesced.flush}. Used by the Run panel to rebuild and save the
 * run's record without copying the ledger on every result.
 */
export class Coalesced {
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly ms: number, private readonly fn: () => void) {}

  /** Run within `ms`, unless already scheduled. */
  schedule(): void {
    this.#timer ??= setTimeout(() => this.flush(), this.ms);
  }

  /** Run now, dropping a scheduled run. */
  flush(): void {
    this.cancel();
    this.fn();
  }

  /** Drop a scheduled run. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
