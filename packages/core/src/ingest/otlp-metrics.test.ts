import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { HistogramValue, MetricPoint, SummaryValue } from '../model/telemetry.js';
import { expToExplicit } from './normalize.js';
import { decodeOtlpMetrics } from './otlp.js';
import { createPriceTable } from './prices.js';
import { defaultIngestLimits, IngestError, type NormalizeContext } from './types.js';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const ctx = (): NormalizeContext => ({
  project: 'proj',
  nowUs: Date.now() * 1000,
  limits: defaultIngestLimits,
  prices: createPriceTable(),
});

async function collect() {
  const reader = new TestReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'metrics-svc' }),
    readers: [reader],
    views: [{ instrumentName: 'latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('m');
  meter.createCounter('requests', { unit: '{request}' }).add(5, { route: '/a', code: 200 });
  meter.createUpDownCounter('queue.depth').add(-3);
  meter.createGauge('temperature', { unit: 'Cel' }).record(21.5, { room: 'lab' });
  const h = meter.createHistogram('latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
  for (const v of [5, 50, 500, 60]) h.record(v);
  const e = meter.createHistogram('latency.exp', { unit: 'ms' });
  for (const v of [1, 2, 4, 8, 1000]) e.record(v);
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  return resourceMetrics;
}

function byName(rows: MetricPoint[], name: string): MetricPoint {
  const r = rows.find((x) => x.name === name);
  assert.ok(r, `metric ${name}`);
  return r;
}

describe('decodeOtlpMetrics', () => {
  for (const format of ['protobuf', 'json'] as const) {
    test(`${format}: counters, up-down counters, gauges, histograms, exponential histograms from the SDK`, async () => {
      const rm = await collect();
      const body = (format === 'protobuf' ? ProtobufMetricsSerializer : JsonMetricsSerializer).serializeRequest(
        rm,
      ) as Uint8Array;
      const res = decodeOtlpMetrics(body, format, ctx());
      assert.equal(res.rejected, 0);
      assert.equal(res.rows.length, 5);
      const c = byName(res.rows, 'requests');
      assert.equal(c.project, 'proj');
      assert.equal(c.type, 'counter');
      assert.equal(c.value, 5);
      assert.equal(c.unit, '{request}');
      assert.deepEqual(c.labels, { route: '/a', code: '200' });
      assert.equal(c.serviceName, 'metrics-svc');
      assert.equal(c.histogram, null);
      assert.ok(Math.abs(c.timeUs - Date.now() * 1000) < 60e6);

      const ud = byName(res.rows, 'queue.depth');
      assert.equal(ud.type, 'gauge', 'non-monotonic sums are gauges');
      assert.equal(ud.value, -3);

      const g = byName(res.rows, 'temperature');
      assert.deepEqual([g.type, g.value, g.unit, g.labels.room], ['gauge', 21.5, 'Cel', 'lab']);

      const h = byName(res.rows, 'latency');
      assert.equal(h.type, 'histogram');
      assert.equal(h.value, 615);
      assert.deepEqual(h.histogram, { count: 4, sum: 615, min: 5, max: 500, bounds: [10, 100], counts: [1, 2, 1] });

      const e = byName(res.rows, 'latency.exp');
      const ev = e.histogram as HistogramValue;
      assert.equal(e.type, 'histogram');
      assert.deepEqual([ev.count, ev.sum, ev.min, ev.max], [5, 1015, 1, 1000]);
      assert.equal(ev.counts.length, ev.bounds.length + 1);
      assert.equal(
        ev.counts.reduce((a, b) => a + b, 0),
        5,
      );
      // every recorded value lies in the bucket whose (lower, upper] range the bounds give it
      for (const v of [1, 2, 4, 8, 1000]) {
        const i = ev.bounds.findIndex((b) => v <= b * (1 + 1e-9));
        assert.ok(i >= 0 && ev.counts[i] > 0, `value ${v} has a non-empty bucket`);
      }
    });
  }

  test('summary, NaN values, staleness markers and timestamps (OTLP/JSON by hand)', () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'py' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'rpc.duration',
                  unit: 's',
                  summary: {
                    dataPoints: [
                      {
                        timeUnixNano: now.toString(),
                        count: '10',
                        sum: 2.5,
                        quantileValues: [
                          { quantile: 0.5, value: 0.2 },
                          { quantile: 0.99, value: 0.9 },
                        ],
                      },
                    ],
                  },
                },
                {
                  name: 'g',
                  gauge: {
                    dataPoints: [
                      { timeUnixNano: now.toString(), asDouble: 'NaN' },
                      { timeUnixNano: now.toString(), asInt: '7', flags: 1 },
                      { timeUnixNano: (now + 7200n * 1_000_000_000n).toString(), asInt: 1 },
                      { timeUnixNano: now.toString(), asInt: '-9007199254740991' },
                    ],
                  },
                },
                { name: '', gauge: { dataPoints: [] } },
                { name: 'empty' },
              ],
            },
          ],
        },
      ],
    };
    const res = decodeOtlpMetrics(new TextEncoder().encode(JSON.stringify(body)), 'json', ctx());
    const s = byName(res.rows, 'rpc.duration');
    assert.equal(s.type, 'summary');
    assert.equal(s.serviceName, 'py');
    assert.equal(s.timeUs, Number(now / 1000n));
    const sv = s.histogram as SummaryValue;
    assert.deepEqual(sv, {
      count: 10,
      sum: 2.5,
      quantiles: [
        { quantile: 0.5, value: 0.2 },
        { quantile: 0.99, value: 0.9 },
      ],
    });
    const g = res.rows.filter((r) => r.name === 'g');
    assert.deepEqual(
      g.map((r) => r.value),
      [-9007199254740991],
    );
    assert.equal(res.rejected, 4, 'NaN, future, nameless, no data; the staleness marker is skipped silently');
  });

  test('exponential histogram conversion with negative, zero and positive buckets', () => {
    const r = expToExplicit({
      scale: 0,
      zeroCount: 2,
      zeroThreshold: 0,
      positive: { offset: 0, counts: [1, 3] },
      negative: { offset: 1, counts: [4] },
    });
    // negative bucket index 1 covers [-4, -2): upper bound -2; zero bucket; positives (1,2], (2,4]
    assert.deepEqual(r, { bounds: [-2, 0, 2, 4], counts: [4, 2, 1, 3, 0] });
  });

  test('malformed metrics payloads are IngestErrors', () => {
    assert.throws(() => decodeOtlpMetrics(Uint8Array.from([0x0a, 0x05, 0x12]), 'protobuf', ctx()), IngestError);
    assert.throws(
      () =>
        decodeOtlpMetrics(
          new TextEncoder().encode(
            '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","gauge":{"dataPoints":[{"asInt":"abc"}]}}]}]}]}',
          ),
          'json',
          ctx(),
        ),
      /asInt must be an integer/,
    );
  });
});
