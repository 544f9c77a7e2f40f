/**
 * A one-shot timer for "flush by size or by deadline" batchers (the ingest pipeline, the DuckDB
 * bulk loader): arming it while it is armed keeps the earlier deadline, and it fires `onDue` once.
 */
export class Deadline {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly onDue: () => void,
    /** Whether a pending deadline may let the process exit (background work that close() drains). */
    private readonly unref = false,
  ) {}

  /** Calls onDue at `atMs` (a performance.now() time) unless already armed or cleared first. */
  arm(atMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.onDue();
      },
      Math.max(0, atMs - performance.now()),
    );
    if (this.unref) this.timer.unref();
  }

  clear(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
