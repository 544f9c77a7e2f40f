import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogData } from '../export/otlp-encode.js';
import { createLogger, setLogExporter } from './logger.js';

describe('Logger', () => {
  test('levels filter; lines are JSON with time, level, msg and bound fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', output: (l) => lines.push(l), bindings: { svc: 'x' } });
    log.info('hidden');
    log.warn('shown', { n: 1 });
    assert.equal(lines.length, 1);
    const rec = JSON.parse(lines[0]);
    assert.equal(rec.level, 'warn');
    assert.equal(rec.msg, 'shown');
    assert.equal(rec.svc, 'x');
    assert.equal(rec.n, 1);
    assert.ok(!Number.isNaN(Date.parse(rec.time)));
    assert.equal(log.isLevelEnabled('error'), true);
    assert.equal(log.isLevelEnabled('debug'), false);
  });

  test('child loggers add fields; correlation ids are generated when not given', () => {
    const lines: string[] = [];
    const log = createLogger({ output: (l) => lines.push(l) });
    const child = log.child({ tenant: 't1' }).withCorrelationId();
    child.info('a');
    child.info('b');
    const [a, b] = lines.map((l) => JSON.parse(l));
    assert.equal(a.tenant, 't1');
    assert.match(a.correlationId, /^[0-9a-f]{16}$/);
    assert.equal(a.correlationId, b.correlationId);
  });

  test('records go to the exporter with OTLP severities; a throwing output is contained', () => {
    const exported: LogData[] = [];
    setLogExporter((r) => exported.push(r));
    try {
      const log = createLogger({
        output: () => {
          throw new Error('disk full');
        },
      });
      log.error('boom', { err: new RangeError('bad') });
      log.fatal('fatal');
      assert.deepEqual(
        exported.map((r) => r.severity),
        [17, 21],
        'a failing local write neither throws nor stops export',
      );
    } finally {
      setLogExporter(null);
    }
    const ok: LogData[] = [];
    setLogExporter((r) => ok.push(r));
    createLogger({ output: false }).error('x', { err: new RangeError('bad') });
    setLogExporter(null);
    assert.equal(ok[0].severity, 17);
    assert.equal(ok[0].severityText, 'ERROR');
    const err = ok[0].attributes?.err as { type: string; message: string };
    assert.equal(err.type, 'RangeError');
    assert.equal(err.message, 'bad');
  });
});
