import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCursor, encodeCursor, InvalidCursorError, isTraceCursor, tracePage } from './cursor.js';
import type { TraceSummary } from './store.js';

describe('cursor', () => {
  test('a trace cursor round-trips; empty means first page', () => {
    assert.deepEqual(decodeCursor(encodeCursor({ t: 5, id: 'ab' }), isTraceCursor), { t: 5, id: 'ab' });
    assert.equal(decodeCursor('', isTraceCursor), null);
    assert.equal(decodeCursor(null, isTraceCursor), null);
  });

  test('garbage and wrong shapes are invalid_cursor errors', () => {
    for (const c of ['%%%', encodeCursor({ t: '5', id: 'ab' }), encodeCursor(null), 'bm90IGpzb24']) {
      assert.throws(
        () => decodeCursor(c, isTraceCursor),
        (e: unknown) => e instanceof InvalidCursorError && e.code === 'invalid_cursor',
      );
    }
  });

  test('tracePage keeps limit rows and points the cursor after the last one', () => {
    const row = (startUs: number, traceId: string) => ({ startUs, traceId }) as TraceSummary;
    const rows = [row(30, 'c'), row(20, 'b'), row(20, 'a')];
    const full = tracePage(rows, 2, (r) => r);
    assert.deepEqual(
      full.items.map((x) => x.traceId),
      ['c', 'b'],
    );
    assert.deepEqual(decodeCursor(full.nextCursor, isTraceCursor), { t: 20, id: 'b' });
    const last = tracePage(rows, 3, (r) => r);
    assert.equal(last.items.length, 3);
    assert.equal(last.nextCursor, null);
  });
});
