/**
 * SDK overhead benchmark: cost per instrumented span (start, 5 attributes, end, batching and OTLP
 * protobuf serialisation) for @vigil/sdk vs @opentelemetry/sdk-trace-base (BasicTracerProvider +
 * BatchSpanProcessor + the official ProtobufTraceSerializer), side by side in one process. Both
 * exporters serialise every span and count bytes; neither touches the network.
 *
 *   node --conditions=vigil-source --import tsx bench/sdk/run.ts [--quick] [--spans N] [--rounds R] [--only vigil|opentelemetry]
 */
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { type ExportOutcome, ExportPipeline, encodeHeader, HttpBackend, type Transport, VigilTracer } from '@vigil/sdk';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argNum = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SPANS = argNum('--spans', quick ? 20_000 : 100_000);
const ROUNDS = argNum('--rounds', quick ? 3 : 7);
const BATCH = 512;
const CHUNK = 2048; // spans per synchronous burst before yielding to the event loop (lets exports run)

const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

interface Side {
  name: string;
  run(n: number): Promise<{ bytes: number; exported: number }>;
}

// ---- OpenTelemetry baseline --------------------------------------------------------------------------
function otelSide(): Side {
  let bytes = 0;
  let exported = 0;
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], done) {
      const body = ProtobufTraceSerializer.serializeRequest(spans);
      bytes += body?.length ?? 0;
      exported += spans.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        maxExportBatchSize: BATCH,
        maxQueueSize: CHUNK * 4,
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  return {
    name: '@opentelemetry/sdk-trace-base',
    async run(n) {
      bytes = 0;
      exported = 0;
      for (let done = 0; done < n; ) {
        const m = Math.min(CHUNK, n - done);
        for (let i = 0; i < m; i++) {
          const span = tracer.startSpan('chat gpt-4o');
          span.setAttribute('gen_ai.request.model', 'gpt-4o');
          span.setAttribute('gen_ai.provider.name', 'openai');
          span.setAttribute('gen_ai.usage.input_tokens', 1200 + i);
          span.setAttribute('gen_ai.usage.output_tokens', 300);
          span.setAttribute('session.id', 'session-42');
          span.end();
        }
        done += m;
        await yieldLoop();
      }
      await provider.forceFlush();
      return { bytes, exported };
    },
  };
}

// ---- Vigil -----------------------------------------------------------------------------------------
function vigilSide(): Side {
  let bytes = 0;
  const transport: Transport = {
    async post(_path: string, body: Uint8Array): Promise<ExportOutcome> {
      bytes += body.length;
      return { ok: true };
    },
  };
  const backend = new HttpBackend(transport, encodeHeader({ 'service.name': 'bench' }, 'bench', '1.0.0'), 'bench');
  const pipeline = new ExportPipeline(backend, { batchSize: BATCH, maxQueueSize: CHUNK * 4, flushIntervalMs: 1000 });
  const tracer = new VigilTracer(pipeline);
  return {
    name: '@vigil/sdk',
    async run(n) {
      bytes = 0;
      const before = pipeline.stats().spans.exported;
      for (let done = 0; done < n; ) {
        const m = Math.min(CHUNK, n - done);
        for (let i = 0; i < m; i++) {
          const span = tracer.startSpan('chat gpt-4o');
          span.setAttribute('gen_ai.request.model', 'gpt-4o');
          span.setAttribute('gen_ai.provider.name', 'openai');
          span.setAttribute('gen_ai.usage.input_tokens', 1200 + i);
          span.setAttribute('gen_ai.usage.output_tokens', 300);
          span.setAttribute('session.id', 'session-42');
          span.end();
        }
        done += m;
        await yieldLoop();
      }
      await pipeline.flush();
      return { bytes, exported: pipeline.stats().spans.exported - before };
    },
  };
}

/**
 * Wall time and CPU time (user + system of this process) per span. On a shared, busy machine the CPU
 * time is the steadier number (wall time also counts time other processes held the core); the ratio is
 * reported on both.
 */
async function measure(
  side: Side,
  n: number,
): Promise<{ usPerSpan: number; cpuUsPerSpan: number; bytesPerSpan: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await side.run(n);
  const ns = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  if (r.exported !== n) throw new Error(`${side.name}: exported ${r.exported} of ${n} spans (dropped?)`);
  return { usPerSpan: ns / 1000 / n, cpuUsPerSpan: (c.user + c.system) / n, bytesPerSpan: r.bytes / n };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const sides = [otelSide(), vigilSide()].filter((s) => !only || s.name.includes(only));
  // warm-up: let both JITs settle
  for (const s of sides) await measure(s, Math.min(SPANS, 20_000));
  const results = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  const cpu = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  const bytes = new Map<string, number>();
  for (let r = 0; r < ROUNDS; r++) {
    // alternate the order so neither side always runs right after a GC-heavy round of the other
    const order = r % 2 ? [...sides].reverse() : sides;
    for (const s of order) {
      const m = await measure(s, SPANS);
      results.get(s.name)?.push(m.usPerSpan);
      cpu.get(s.name)?.push(m.cpuUsPerSpan);
      bytes.set(s.name, m.bytesPerSpan);
    }
  }
  console.log(`spans/round=${SPANS} rounds=${ROUNDS} batch=${BATCH} node=${process.version}`);
  for (const s of sides) {
    const xs = results.get(s.name) ?? [];
    const cs = cpu.get(s.name) ?? [];
    console.log(
      `${s.name.padEnd(30)} wall median ${median(xs).toFixed(3)} µs/span (rounds ${xs.map((x) => x.toFixed(2)).join(' ')})  cpu median ${median(cs).toFixed(3)} µs/span  ${bytes.get(s.name)?.toFixed(1)} bytes/span`,
    );
  }
  if (sides.length < 2) return;
  const otel = median(results.get(sides[0].name) ?? []);
  const vigil = median(results.get(sides[1].name) ?? []);
  const otelCpu = median(cpu.get(sides[0].name) ?? []);
  const vigilCpu = median(cpu.get(sides[1].name) ?? []);
  console.log(`ratio vigil/otel wall = ${(vigil / otel).toFixed(3)} (${(otel / vigil).toFixed(1)}x faster)`);
  console.log(
    `ratio vigil/otel cpu  = ${(vigilCpu / otelCpu).toFixed(3)} (${(otelCpu / vigilCpu).toFixed(1)}x faster)  target <= 0.25`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
