/**
 * Who may write, and on which connection: group commits run concurrently, one per commit slot
 * (each slot its own connection and chunk writers), while every other write runs alone.
 *
 * Why concurrent commits: a commit's JS half (filling chunks) and its native half (COMMIT writes
 * the WAL, fsyncs, sometimes checkpoints, on a libuv thread) would otherwise alternate, leaving a
 * core idle; with two slots one commit fills while the other is durably written. DuckDB's
 * optimistic concurrency lets transactions append to the same tables, and the commits touch no
 * rows another transaction changes. Everything else (maintenance, rollup flushes,
 * small updates) takes the gate exclusively: it waits for running commits, and new commits wait
 * for it, so no invariant spanning commits (rollup-write-behind.ts markers) can interleave.
 */
type Waiter<S> = { exclusive: true; wake: () => void } | { exclusive: false; wake: (slot: S) => void };

export class WriterGate<S> {
  private readonly free: S[];
  /** Commits running (slots taken). */
  private shared = 0;
  private exclusive = false;
  /** FIFO of waiters; an exclusive waiter blocks later commits (no starvation of maintenance). */
  private readonly waiters: Waiter<S>[] = [];

  constructor(
    slots: readonly S[],
    /** The slot exclusive writes use (its connection): no commit holds it while they run. */
    private readonly main: S = slots[0],
  ) {
    this.free = [...slots];
  }

  /** Runs a commit on a free slot, concurrently with other commits. */
  async commit<T>(fn: (slot: S) => Promise<T>): Promise<T> {
    const slot = await this.acquire();
    try {
      return await fn(slot);
    } finally {
      this.release(slot);
    }
  }

  private acquire(): Promise<S> {
    if (!this.exclusive && this.waiters.length === 0 && this.free.length > 0) return Promise.resolve(this.take());
    return new Promise<S>((wake) => this.waiters.push({ exclusive: false, wake }));
  }

  private release(slot: S): void {
    this.shared--;
    this.free.push(slot);
    this.dispatch();
  }

  /** Runs fn alone: after running commits end, before any later one starts. */
  async alone<T>(fn: (slot: S) => Promise<T>): Promise<T> {
    if (!this.exclusive && this.shared === 0 && this.waiters.length === 0) this.exclusive = true;
    else await new Promise<void>((wake) => this.waiters.push({ exclusive: true, wake }));
    try {
      return await fn(this.main);
    } finally {
      this.exclusive = false;
      this.dispatch();
    }
  }

  private take(): S {
    this.shared++;
    return this.free.pop() as S;
  }

  /** Hands slots (or the whole gate) to waiters in arrival order while they can run. */
  private dispatch(): void {
    while (this.waiters.length > 0 && !this.exclusive) {
      const w = this.waiters[0];
      if (w.exclusive) {
        if (this.shared > 0) return;
        this.waiters.shift();
        this.exclusive = true;
        w.wake();
        return;
      }
      if (this.free.length === 0) return;
      this.waiters.shift();
      w.wake(this.take());
    }
  }
}
