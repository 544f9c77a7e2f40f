import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Turns } from './turns.js';

describe('Turns', () => {
  test('callers go in order, one per turn of the event loop, with I/O callbacks between them', async () => {
    const turns = new Turns();
    const events: string[] = [];
    // A callback another thread queues (a timer stands in): it must not wait for every caller.
    const callers = [0, 1, 2, 3].map(async (i) => {
      await turns.next();
      events.push(`caller ${i}`);
      if (i === 0) setTimeout(() => events.push('timer'), 0);
      // Synchronous work, as a decode is.
      const until = performance.now() + 3;
      while (performance.now() < until) {}
    });
    await Promise.all(callers);
    assert.deepEqual(
      events.filter((e) => e.startsWith('caller')),
      ['caller 0', 'caller 1', 'caller 2', 'caller 3'],
    );
    assert.ok(events.indexOf('timer') < events.indexOf('caller 3'), events.join(', '));
  });
});
