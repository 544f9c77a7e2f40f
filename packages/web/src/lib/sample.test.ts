import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Span } from '../api/types.js';
import { buildServiceMap, groupErrors, normaliseMessage } from './sample.js';

const base: Span = {
  traceId: 'a'.repeat(32),
  spanId: '',
  parentSpanId: null,
  name: '',
  kind: 'internal',
  startTime: '2026-01-01T00:00:00Z',
  endTime: '2026-01-01T00:00:01Z',
  durationMs: 1000,
  status: 'ok',
  statusMessage: null,
  serviceName: 'app',
  model: null,
  provider: null,
  inputTokens: null,
  outputTokens: null,
  costUsd: null,
  agentId: null,
  agentName: null,
  agentVersion: null,
  sessionId: null,
  userId: null,
  attributes: {},
  events: [],
  input: null,
  output: null,
};
const sp = (o: Partial<Span>): Span => ({ ...base, ...o });

describe('normaliseMessage', () => {
  test('folds ids, numbers and quoted values', () => {
    assert.equal(
      normaliseMessage('Timeout after 3000 ms calling "search" for 0123456789abcdef0123'),
      'Timeout after <n> ms calling <str> for <id>',
    );
  });
});

describe('groupErrors', () => {
  test('groups by exception type and normalised message, keeping first/last seen', () => {
    const groups = groupErrors([
      sp({
        spanId: '1',
        status: 'error',
        statusMessage: 'rate limited, retry in 20s',
        startTime: '2026-01-01T00:00:05Z',
      }),
      sp({
        spanId: '2',
        status: 'error',
        statusMessage: 'rate limited, retry in 3s',
        startTime: '2026-01-01T00:00:01Z',
        traceId: 'b'.repeat(32),
      }),
      sp({
        spanId: '3',
        status: 'error',
        events: [
          {
            name: 'exception',
            time: '2026-01-01T00:00:00Z',
            attributes: { 'exception.type': 'ValueError', 'exception.message': 'bad' },
          },
        ],
      }),
      sp({ spanId: '4' }),
    ]);
    assert.equal(groups.length, 2);
    assert.equal(groups[0].count, 2);
    assert.equal(groups[0].message, 'rate limited, retry in <n>s');
    assert.equal(groups[0].firstSeen, Date.parse('2026-01-01T00:00:01Z'));
    assert.equal(groups[0].lastSeen, Date.parse('2026-01-01T00:00:05Z'));
    assert.equal(groups[0].examples.length, 2);
    assert.equal(groups[1].type, 'ValueError');
  });
});

describe('buildServiceMap', () => {
  test('links agents to models and tools, folding chain spans into their parent', () => {
    const { nodes, edges } = buildServiceMap([
      sp({ spanId: 'a', kind: 'agent', agentName: 'planner' }),
      sp({ spanId: 'c', parentSpanId: 'a', kind: 'chain' }),
      sp({ spanId: 'l1', parentSpanId: 'c', kind: 'llm', model: 'gpt-4o' }),
      sp({ spanId: 'l2', parentSpanId: 'a', kind: 'llm', model: 'gpt-4o', status: 'error' }),
      sp({ spanId: 't', parentSpanId: 'a', kind: 'tool', name: 'search' }),
    ]);
    const e = Object.fromEntries(edges.map((x) => [`${x.from}>${x.to}`, x]));
    assert.equal(e['service:app>agent:planner'].calls, 1);
    assert.equal(e['agent:planner>model:gpt-4o'].calls, 2);
    assert.equal(e['agent:planner>model:gpt-4o'].errors, 1);
    assert.equal(e['agent:planner>tool:search'].calls, 1);
    assert.equal(nodes.find((n) => n.id === 'model:gpt-4o')!.errors, 1);
  });
});
