import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes } from '../../model/telemetry.js';
import { attrsJson } from './table-columns.js';

test('attrsJson: same JSON value as JSON.stringify, resource text cached per object and placed last', () => {
  const resource = { 'service.name': 'api', 'host.name': 'h1' };
  const cases: Attributes[] = [
    {},
    { a: 1 },
    { resource },
    { a: 'x', b: [1, 'two', null], c: { d: true } },
    { a: 'x', resource, z: 2 },
    { resource: 'not an object' },
    { resource: [1, 2] },
    { resource: null },
  ];
  for (const attrs of cases) {
    const before = JSON.stringify(attrs);
    const text = attrsJson(attrs);
    assert.deepEqual(JSON.parse(text), JSON.parse(before));
    // The object is left as it was (resource restored, key order kept).
    assert.equal(JSON.stringify(attrs), before);
  }
  assert.equal(attrsJson({ a: 1, resource }), '{"a":1,"resource":{"service.name":"api","host.name":"h1"}}');
  assert.equal(attrsJson(null), '{}');
});
