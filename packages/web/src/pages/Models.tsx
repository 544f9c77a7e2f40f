/** Models: latency percentiles, tokens, cost, errors and rate limits per model and per provider. */
import { getModelErrors } from '../api/insights.js';
import { getDashboard, getSpanSeries } from '../api/queries.js';
import type { ModelRow } from '../api/types.js';
import { Chart } from '../components/Chart.js';
import { Async, type Column, DataTable, Panel } from '../components/ui.js';
import { useApp } from '../lib/context.js';
import { fmtInt, fmtMs, fmtNum, fmtPct, fmtUsd } from '../lib/format.js';
import { linkTo } from '../lib/router.js';
import { align, topN } from '../lib/series.js';
import { stepFor } from '../lib/time.js';
import { useAsync } from '../lib/useAsync.js';

interface Row extends ModelRow {
  rateLimited: number;
  timeouts: number;
}

export default function Models() {
  const { range, tick } = useApp();
  const step = stepFor(range.from, range.to, 60);
  const state = useAsync(
    async (signal) => {
      const [dash, p95, calls, errors] = await Promise.all([
        getDashboard(range, signal),
        getSpanSeries(range, 'p95_ms', { groupBy: 'model', kind: 'llm', step, signal }),
        getSpanSeries(range, 'count', { groupBy: 'model', kind: 'llm', step, signal }),
        getModelErrors(range, signal),
      ]);
      const kinds = new Map(errors.byModel.map((m) => [m.model, m.byKind]));
      const rows: Row[] = (dash.modelMetrics.byModel ?? []).map((m) => ({
        ...m,
        rateLimited: kinds.get(m.model)?.rate_limit ?? 0,
        timeouts: kinds.get(m.model)?.timeout ?? 0,
      }));
      return { dash, rows, p95, calls, errors };
    },
    [range.from, range.to, tick],
  );

  const columns: Column<Row>[] = [
    {
      key: 'model',
      label: 'Model',
      render: (m) => <a href={linkTo('/traces', { model: m.model })}>{m.model}</a>,
      sort: (m) => m.model,
    },
    { key: 'provider', label: 'Provider', render: (m) => m.provider ?? '—', sort: (m) => m.provider },
    { key: 'calls', label: 'Calls', render: (m) => fmtInt(m.calls), sort: (m) => m.calls, num: true },
    { key: 'p50', label: 'p50', render: (m) => fmtMs(m.p50), sort: (m) => m.p50, num: true },
    { key: 'p95', label: 'p95', render: (m) => fmtMs(m.p95), sort: (m) => m.p95, num: true },
    { key: 'p99', label: 'p99', render: (m) => fmtMs(m.p99), sort: (m) => m.p99, num: true },
    { key: 'in', label: 'Input tokens', render: (m) => fmtNum(m.inputTokens), sort: (m) => m.inputTokens, num: true },
    {
      key: 'out',
      label: 'Output tokens',
      render: (m) => fmtNum(m.outputTokens),
      sort: (m) => m.outputTokens,
      num: true,
    },
    { key: 'cost', label: 'Cost', render: (m) => fmtUsd(m.costUsd), sort: (m) => m.costUsd, num: true },
    { key: 'errors', label: 'Errors', render: (m) => fmtInt(m.errors), sort: (m) => m.errors, num: true },
    {
      key: 'erate',
      label: 'Error rate',
      render: (m) => fmtPct(m.calls ? m.errors / m.calls : null),
      sort: (m) => (m.calls ? m.errors / m.calls : null),
      num: true,
    },
    { key: 'to', label: 'Timeouts', render: (m) => fmtInt(m.timeouts), sort: (m) => m.timeouts, num: true },
    { key: 'rl', label: 'Rate-limited', render: (m) => fmtInt(m.rateLimited), sort: (m) => m.rateLimited, num: true },
  ];

  return (
    <Async state={state} label="Loading models…">
      {(d) => {
        const providers = new Map<string, Row>();
        for (const r of d.rows) {
          const k = r.provider ?? 'unknown';
          const p = providers.get(k) ?? {
            ...r,
            model: k,
            provider: k,
            calls: 0,
            errors: 0,
            inputTokens: 0,
            outputTokens: 0,
            costUsd: 0,
            rateLimited: 0,
            timeouts: 0,
            p50: null,
            p95: null,
            p99: null,
          };
          p.calls += r.calls;
          p.errors += r.errors;
          p.inputTokens += r.inputTokens;
          p.outputTokens += r.outputTokens;
          p.costUsd += r.costUsd;
          p.rateLimited += r.rateLimited;
          p.timeouts += r.timeouts;
          // Percentiles do not add up; show the worst model's as an upper bound.
          p.p95 = Math.max(p.p95 ?? 0, r.p95 ?? 0) || null;
          providers.set(k, p);
        }
        const grid = { from: range.from, to: range.to, step };
        const lat = align(topN(d.p95.series, 6), { grid });
        const calls = align(topN(d.calls.series, 6), { grid, fillZero: true });
        return (
          <>
            <Panel title="Models">
              <DataTable
                label="Models"
                rows={d.rows}
                columns={columns}
                rowKey={(m) => `${m.provider}/${m.model}`}
                initialSort={{ key: 'calls', desc: true }}
                empty="No model calls in this range."
              />
              <p class="note">
                Rate-limited: failed calls whose exception or status message says 429, rate limit or RateLimitError (
                {fmtInt(d.errors.byKind.rate_limit)} in range); timeouts likewise. Other errors: auth{' '}
                {fmtInt(d.errors.byKind.auth)}, server {fmtInt(d.errors.byKind.server)}, other{' '}
                {fmtInt(d.errors.byKind.other)}.
              </p>
            </Panel>
            <div class="grid grid-2">
              <Panel title="p95 latency by model">
                <Chart {...lat} fmt={fmtMs} />
              </Panel>
              <Panel title="Calls by model">
                <Chart {...calls} fmt={(v) => fmtNum(v)} />
              </Panel>
            </div>
            <Panel title="Providers">
              <DataTable
                label="Providers"
                rows={[...providers.values()]}
                rowKey={(p) => p.model}
                initialSort={{ key: 'calls', desc: true }}
                columns={[
                  { key: 'provider', label: 'Provider', render: (p) => p.model, sort: (p) => p.model },
                  { key: 'calls', label: 'Calls', render: (p) => fmtInt(p.calls), sort: (p) => p.calls, num: true },
                  { key: 'p95', label: 'Worst model p95', render: (p) => fmtMs(p.p95), sort: (p) => p.p95, num: true },
                  {
                    key: 'tokens',
                    label: 'Tokens',
                    render: (p) => fmtNum(p.inputTokens + p.outputTokens),
                    sort: (p) => p.inputTokens + p.outputTokens,
                    num: true,
                  },
                  { key: 'cost', label: 'Cost', render: (p) => fmtUsd(p.costUsd), sort: (p) => p.costUsd, num: true },
                  { key: 'errors', label: 'Errors', render: (p) => fmtInt(p.errors), sort: (p) => p.errors, num: true },
                  {
                    key: 'rl',
                    label: 'Rate-limited',
                    render: (p) => fmtInt(p.rateLimited),
                    sort: (p) => p.rateLimited,
                    num: true,
                  },
                ]}
              />
            </Panel>
          </>
        );
      }}
    </Async>
  );
}
