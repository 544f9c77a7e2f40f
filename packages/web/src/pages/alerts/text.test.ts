import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelsText, matchesField, parseLabels, parseList } from './text.js';

const FIELDS = ['condition', 'condition.type', 'condition.labels', 'condition.threshold', 'escalation', 'name'];

test('an error marks the input with the longest matching field path', () => {
  assert.ok(matchesField('condition.threshold', 'condition.threshold', FIELDS));
  assert.ok(!matchesField('condition.threshold', 'condition', FIELDS), 'a more specific input exists');
  assert.ok(matchesField('condition.labels.team', 'condition.labels', FIELDS));
  assert.ok(matchesField('condition.measure', 'condition', FIELDS), 'falls back to the parent');
  assert.ok(matchesField('escalation[1].afterMs', 'escalation', FIELDS));
  assert.ok(!matchesField('names', 'name', FIELDS), 'whole segments only');
  assert.ok(!matchesField(null, 'name', FIELDS));
});

test('label maps and lists round-trip through text', () => {
  assert.deepEqual(parseLabels('team=ml, env = prod ,'), { team: 'ml', env: 'prod' });
  assert.deepEqual(parseLabels(''), {});
  assert.equal(parseLabels('team'), null);
  assert.equal(parseLabels('=x'), null);
  assert.equal(labelsText({ team: 'ml', env: 'prod' }), 'team=ml, env=prod');
  assert.deepEqual(parseLabels(labelsText({ a: '1=2' })), { a: '1=2' });
  assert.deepEqual(parseList(' model, agent ,,'), ['model', 'agent']);
});
