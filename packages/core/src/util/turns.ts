/**
 * Lets callers go one per turn of the event loop, in the order they came.
 *
 * Why: work that waits for the JS thread is queued behind whatever the loop runs first, and
 * decoding an ingest request is a few milliseconds of synchronous work. With several requests
 * ready at once, a callback from another thread waited for all of them: the DuckDB bulk loader's
 * table-function scan waits for the JS thread at every chunk it loads, and under 8 connections
 * loads fell behind ingest (the backlog grew ~30k spans a second). Decoding one request per turn
 * (a setImmediate each) lets those callbacks in between; measured, loads of a row group took
 * 470-530 ms instead of 590-760 and kept up.
 */
export class Turns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  /** Resolves at the caller's turn: the first caller's in this turn's check phase, each next one a turn later. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.run);
      }
    });
  }

  private readonly run = (): void => {
    const resolve = this.waiting.shift();
    // Scheduled from the check phase, the next immediate runs in the next turn, after its I/O.
    if (this.waiting.length > 0) setImmediate(this.run);
    else this.scheduled = false;
    resolve?.();
  };
}
