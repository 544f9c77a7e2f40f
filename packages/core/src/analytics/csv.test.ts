import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CsvScorer, scoreCsv } from './csv.js';

describe('CSV scoring', () => {
  test('one output row per input row, header optional, scores in [0, 1], online', () => {
    const rows = Array.from(
      { length: 600 },
      (_, i) =>
        `2024-01-01 ${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00,${i === 500 ? 90 : 10 + (i % 5)}`,
    );
    const withHeader = scoreCsv(['timestamp,value', ...rows].join('\n'));
    const without = scoreCsv(rows.join('\n'));
    assert.equal(withHeader[0], 'timestamp,value,anomaly_score');
    assert.equal(withHeader.length, 601);
    assert.deepEqual(withHeader, without);
    const scores = withHeader.slice(1).map((l) => Number(l.split(',')[2]));
    assert.ok(scores.every((s) => s >= 0 && s <= 1));
    assert.equal(scores[500], Math.max(...scores), 'the spike scores highest');
    // Row i's score does not depend on later rows.
    const prefix = scoreCsv(rows.slice(0, 501).join('\n'));
    assert.deepEqual(prefix.slice(1), withHeader.slice(1, 502));
  });

  test('bad rows are echoed with score 0 and counted; blank lines and CRLF are fine', () => {
    const s = new CsvScorer({ algorithm: 'robust_z' });
    const out = ['1700000000,5\r', '', '1700000060,abc', 'garbage', '1700000120,NaN', '1700000180,6'].map((l) =>
      s.line(l),
    );
    assert.deepEqual(out, [
      '1700000000,5,0',
      null,
      '1700000060,abc,0',
      'garbage,,0',
      '1700000120,NaN,0',
      '1700000180,6,0',
    ]);
    assert.equal(s.skipped, 3);
  });

  test('an unknown algorithm is a clear error', () => {
    assert.throws(() => new CsvScorer({ algorithm: 'magic' }), /unknown algorithm "magic"/);
  });
});
