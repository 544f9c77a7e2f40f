import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WriterGate } from './writer-gate.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('WriterGate', () => {
  test('commits share the slots, at most one per slot', async () => {
    const gate = new WriterGate(['a', 'b']);
    let running = 0;
    let peak = 0;
    const used = new Set<string>();
    await Promise.all(
      Array.from({ length: 10 }, () =>
        gate.commit(async (slot) => {
          assert.ok(!used.has(slot), 'a slot is used by one commit at a time');
          used.add(slot);
          running++;
          peak = Math.max(peak, running);
          await tick();
          running--;
          used.delete(slot);
        }),
      ),
    );
    assert.equal(peak, 2);
  });

  test('an exclusive write waits for running commits and holds back later ones', async () => {
    const gate = new WriterGate(['a', 'b']);
    const log: string[] = [];
    const c1 = gate.commit(async () => {
      log.push('c1 start');
      await tick();
      await tick();
      log.push('c1 end');
    });
    const ex = gate.alone(async (slot) => {
      log.push(`alone on ${slot}`);
      await tick();
      log.push('alone end');
    });
    const c2 = gate.commit(async () => {
      log.push('c2');
    });
    await Promise.all([c1, ex, c2]);
    assert.deepEqual(log, ['c1 start', 'c1 end', 'alone on a', 'alone end', 'c2']);
  });

  test('a failing writer releases the gate', async () => {
    const gate = new WriterGate(['a']);
    await assert.rejects(
      gate.commit(async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    await assert.rejects(
      gate.alone(async () => Promise.reject(new Error('bang'))),
      /bang/,
    );
    assert.equal(await gate.commit(async (s) => s), 'a');
    assert.equal(await gate.alone(async (s) => s), 'a');
  });
});
