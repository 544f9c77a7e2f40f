/**
 * OTLP/protobuf trace decode benchmark: Vigil's hand-rolled decoder (decode + validate + map
 * conventions + price, i.e. everything before storage) vs protobufjs decoding the same bytes into
 * message objects (decode only: no id hex, no conventions, no cost — a baseline that flatters
 * protobufjs). @opentelemetry/otlp-transformer ships only serializers, no request deserializer.
 *
 *   node --conditions=vigil-source --import tsx bench/ingest-decode/run.ts [--quick] [--seconds N] [--batch 512] [--only-vigil] [--json] [--filter TEXT]
 *
 * --filter keeps only the contenders whose name contains TEXT (e.g. "normalise+cost" to profile one).
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createPriceTable, createRedactor, decodeOtlpTraces, defaultIngestLimits } from '@vigil/core';
import protobuf from 'protobufjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const seconds = opt('--seconds', quick ? 1.5 : 5);
const batchSize = opt('--batch', 512);

// --- a realistic batch: agent runs with LLM, tool, retrieval and HTTP spans ---------------------
function makeBatch(n: number): { protobuf: Uint8Array; json: Uint8Array } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'support-agent',
      'service.version': '2.4.1',
      'deployment.environment': 'production',
      'host.name': 'ip-10-0-3-17',
      'process.pid': 4242,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': '20.19.0',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': '2.0.0',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('vigil-bench', '1.0.0');
  const now = Date.now() - 60_000;
  const prompt = `You are a support agent. Customer says: ${'my order did not arrive and the tracking page shows nothing. '.repeat(12)}`;
  const completion = `I am sorry to hear that. ${'Let me look up the order and check with the carrier. '.repeat(5)}`;
  let made = 0;
  while (made < n) {
    const t = now + made;
    const root = tracer.startSpan('invoke_agent support', {
      startTime: t,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.id': 'support-v2',
        'gen_ai.agent.name': 'support',
        'gen_ai.conversation.id': `conv-${made}`,
        'enduser.id': `user-${made % 97}`,
      },
    });
    made++;
    const ctx = trace.setSpan(context.active(), root);
    for (let k = 0; k < 3 && made < n; k++) {
      const llm = tracer.startSpan(
        'chat gpt-4o-mini',
        {
          kind: SpanKind.CLIENT,
          startTime: t + 1,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
            'gen_ai.request.temperature': 0.2,
            'gen_ai.request.max_tokens': 1024,
            'gen_ai.response.id': `chatcmpl-${made}abcdef`,
            'gen_ai.response.finish_reasons': ['stop'],
            'gen_ai.usage.input_tokens': 812 + k,
            'gen_ai.usage.output_tokens': 96 + k,
            'server.address': 'api.openai.com',
            'gen_ai.prompt.0.role': 'user',
            'gen_ai.prompt.0.content': prompt,
            'gen_ai.completion.0.role': 'assistant',
            'gen_ai.completion.0.content': completion,
          },
        },
        ctx,
      );
      llm.end(t + 900);
      made++;
      if (made >= n) break;
      const tool = tracer.startSpan(
        'execute_tool lookup_order',
        {
          startTime: t + 901,
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': 'lookup_order',
            'gen_ai.tool.call.id': `call_${made}`,
          },
        },
        ctx,
      );
      const http = tracer.startSpan(
        'GET',
        {
          kind: SpanKind.CLIENT,
          startTime: t + 902,
          attributes: {
            'http.request.method': 'GET',
            'url.full': `https://orders.internal/api/orders/${made}`,
            'server.address': 'orders.internal',
            'http.response.status_code': made % 50 === 0 ? 503 : 200,
          },
        },
        trace.setSpan(ctx, tool),
      );
      if (made % 50 === 0) {
        http.recordException(new Error('upstream unavailable'));
        http.setStatus({ code: SpanStatusCode.ERROR, message: 'HTTP 503' });
      }
      http.end(t + 950);
      made++;
      tool.end(t + 960);
      made++;
    }
    root.end(t + 1000);
  }
  const spans = exporter.getFinishedSpans().slice(0, n);
  return {
    protobuf: ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array,
    json: JsonTraceSerializer.serializeRequest(spans) as Uint8Array,
  };
}

// --- protobufjs baseline: the OTLP trace schema (opentelemetry-proto v1) -----------------------
const OTLP_PROTO = `
syntax = "proto3";
package otlp;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  repeated Event events = 11; uint32 dropped_events_count = 12;
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
  repeated Link links = 13; uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
`;
const RequestType = protobuf.parse(OTLP_PROTO).root.lookupType('otlp.ExportTraceServiceRequest');

/**
 * Spans per second of process CPU time (user+system, all threads, so GC helpers count) for fn run
 * over `budgetSec` of wall time. CPU time is steadier than wall time on a shared machine.
 */
function rate(fn: () => number, budgetSec: number): { cpu: number; wall: number } {
  let spans = 0;
  let iters = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(budgetSec * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    spans += fn();
    iters++;
    if ((iters & 3) === 0) elapsed = process.hrtime.bigint() - start;
  }
  elapsed = process.hrtime.bigint() - start;
  const cpu = process.cpuUsage(cpu0);
  return { cpu: spans / ((cpu.user + cpu.system) / 1e6), wall: spans / (Number(elapsed) / 1e9) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Interleaves the contenders over several rounds and reports medians, so load changes on a shared
 * machine hit all of them alike instead of skewing whichever ran during a busy moment.
 */
function compare(contenders: [string, () => number][], rounds: number): Map<string, number> {
  for (const [, fn] of contenders) for (let i = 0; i < 50; i++) fn(); // warm up the JIT
  const cpu = new Map<string, number[]>(contenders.map(([n]) => [n, []]));
  const wall = new Map<string, number[]>(contenders.map(([n]) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of contenders) {
      const x = rate(fn, seconds / rounds);
      cpu.get(name)?.push(x.cpu);
      wall.get(name)?.push(x.wall);
    }
  }
  const out = new Map<string, number>();
  for (const [name] of contenders) {
    const c = median(cpu.get(name) ?? []);
    const w = median(wall.get(name) ?? []);
    out.set(name, c);
    console.log(
      `${name.padEnd(46)} ${Math.round(c).toLocaleString('en-US').padStart(10)} spans/CPU-s  ${(1e6 / c).toFixed(3)} µs/span CPU  (wall: ${Math.round(w).toLocaleString('en-US')} spans/s)`,
    );
  }
  return out;
}

const { protobuf: body, json: jsonBody } = makeBatch(batchSize);
const nowUs = Date.now() * 1000;
const prices = createPriceTable();
const ctx = { project: 'bench', nowUs, limits: defaultIngestLimits, prices };
const check = decodeOtlpTraces(body, 'protobuf', ctx);
if (check.rows.length !== batchSize || check.rejected !== 0)
  throw new Error(`decoder sanity check failed: ${check.rows.length} rows, ${check.rejected} rejected`);
const priced = check.rows.filter((r) => r.costUsd !== null && r.costUsd > 0).length;
const baselineCount = (
  RequestType.decode(body) as unknown as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }
).resourceSpans[0].scopeSpans[0].spans.length;
if (baselineCount !== batchSize) throw new Error('baseline sanity check failed');

console.log(
  `batch: ${batchSize} spans, ${(body.length / 1024).toFixed(1)} KiB protobuf (${Math.round(body.length / batchSize)} B/span), ${priced} priced LLM spans; ${seconds}s per contender, node ${process.version}`,
);
const rounds = quick ? 3 : 7;
const redactCtx = { ...ctx, redact: createRedactor({ maxChars: defaultIngestLimits.maxPayloadChars }) };
const VIGIL = 'vigil decodeOtlpTraces (decode+normalise+cost)';
const VIGIL_REDACT = 'vigil decodeOtlpTraces + PII redaction';
const BASE = 'baseline: protobufjs decode (no normalisation)';
const contenders: [string, () => number][] = [
  [VIGIL, () => decodeOtlpTraces(body, 'protobuf', ctx).rows.length],
  [VIGIL_REDACT, () => decodeOtlpTraces(body, 'protobuf', redactCtx).rows.length],
];
if (args.includes('--json')) {
  // OTLP/JSON path, against JSON.parse alone (the floor any JSON decoder pays).
  contenders.push([
    'vigil decodeOtlpTraces, OTLP/JSON body',
    () => decodeOtlpTraces(jsonBody, 'json', ctx).rows.length,
  ]);
  contenders.push([
    'floor: TextDecoder + JSON.parse of the JSON body',
    () => {
      JSON.parse(new TextDecoder().decode(jsonBody));
      return batchSize;
    },
  ]);
}
if (!args.includes('--only-vigil')) {
  contenders.unshift([
    BASE,
    () => {
      RequestType.decode(body);
      return batchSize;
    },
  ]);
}
const filterAt = args.indexOf('--filter');
if (filterAt >= 0) {
  const text = args[filterAt + 1] ?? '';
  for (let i = contenders.length - 1; i >= 0; i--) if (!contenders[i][0].includes(text)) contenders.splice(i, 1);
}
console.log(`${rounds} interleaved rounds, medians:`);
const res = compare(contenders, rounds);
if (res.has(BASE) && res.has(VIGIL) && res.has(VIGIL_REDACT)) {
  const base = res.get(BASE) as number;
  console.log(
    `ratio vigil / protobufjs: ${((res.get(VIGIL) as number) / base).toFixed(2)}x  (with redaction: ${((res.get(VIGIL_REDACT) as number) / base).toFixed(2)}x)`,
  );
}
