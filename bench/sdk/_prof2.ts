import { encodeHeader, encodeTraces, ProtoWriter, VigilTracer } from '@vigil/sdk';

const h = encodeHeader({ 'service.name': 'bench' }, 'b', '1');
const w = new ProtoWriter();
function mk(nattr: boolean) {
  const spans: any[] = [];
  const tracer = new VigilTracer({ onEnd: (s) => spans.push(s) });
  for (let i = 0; i < 512; i++) {
    const span = tracer.startSpan('chat gpt-4o');
    if (nattr) {
      span.setAttribute('gen_ai.request.model', 'gpt-4o');
      span.setAttribute('gen_ai.provider.name', 'openai');
      span.setAttribute('gen_ai.usage.input_tokens', 1200 + i);
      span.setAttribute('gen_ai.usage.output_tokens', 300);
      span.setAttribute('session.id', 'session-42');
    }
    span.end();
  }
  return spans;
}
for (const attrs of [false, true]) {
  const batch = mk(attrs);
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) encodeTraces(w, h, batch);
    if (r === 4) console.log('attrs', attrs, (Number(process.hrtime.bigint() - t) / (512 * 200)).toFixed(1), 'ns/span');
  }
}
const spans: any[] = [];
const tracer = new VigilTracer({
  onEnd: (s) => {
    if (spans.length < 1000) spans.push(s);
  },
});
for (let r = 0; r < 5; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < 200000; i++) {
    const span = tracer.startSpan('chat gpt-4o');
    span.setAttribute('gen_ai.request.model', 'gpt-4o');
    span.setAttribute('gen_ai.provider.name', 'openai');
    span.setAttribute('gen_ai.usage.input_tokens', 1200 + i);
    span.setAttribute('gen_ai.usage.output_tokens', 300);
    span.setAttribute('session.id', 'session-42');
    span.end();
  }
  if (r === 4) console.log('create', (Number(process.hrtime.bigint() - t) / 200000).toFixed(1), 'ns/span');
}
