import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, loadConfig, OPTIONS, optionsHelp, parseSize } from './config.js';

test('precedence: defaults < vigil.config.yaml < VIGIL_* env < flags', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  try {
    assert.deepEqual(loadConfig({ cwd, env: {} }).config, DEFAULT_CONFIG);
    writeFileSync(join(cwd, 'vigil.config.yaml'), 'port: 5000\nhost: 0.0.0.0\nbodyLimit: 1mb\nretention-days: 7\n');
    const fromFile = loadConfig({ cwd, env: {} });
    assert.equal(fromFile.file, join(cwd, 'vigil.config.yaml'));
    assert.equal(fromFile.config.port, 5000);
    assert.equal(fromFile.config.host, '0.0.0.0');
    assert.equal(fromFile.config.bodyLimit, 1024 * 1024);
    assert.equal(fromFile.config.retentionDays, 7);
    const fromEnv = loadConfig({ cwd, env: { VIGIL_PORT: '6000', VIGIL_DATA_DIR: '/data' } });
    assert.equal(fromEnv.config.port, 6000);
    assert.equal(fromEnv.config.dataDir, '/data');
    assert.equal(fromEnv.config.host, '0.0.0.0');
    const fromFlags = loadConfig({ cwd, env: { VIGIL_PORT: '6000' }, flags: { port: '7000', 'queue-max-rows': '10' } });
    assert.equal(fromFlags.config.port, 7000);
    assert.equal(fromFlags.config.queueMaxRows, 10);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('an explicit --config file must exist; bad values name their source', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  try {
    assert.throws(() => loadConfig({ cwd, env: {}, configFile: 'missing.yaml' }), ConfigError);
    writeFileSync(join(cwd, 'other.yaml'), 'nonsense: 1\n');
    assert.throws(() => loadConfig({ cwd, env: {}, configFile: 'other.yaml' }), /unknown option "nonsense"/);
    assert.throws(() => loadConfig({ cwd, env: { VIGIL_PORT: 'abc' } }), /VIGIL_PORT/);
    assert.throws(() => loadConfig({ cwd, env: {}, flags: { port: '70000' } }), /--port/);
    assert.throws(() => loadConfig({ cwd, env: { VIGIL_LOG_LEVEL: 'loud' } }), /VIGIL_LOG_LEVEL/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('sizes and help text', () => {
  assert.equal(parseSize('512kb'), 512 * 1024);
  assert.equal(parseSize('16MB'), 16 * 1024 * 1024);
  assert.equal(parseSize('100'), 100);
  assert.throws(() => parseSize('lots'), ConfigError);
  const help = optionsHelp();
  for (const o of OPTIONS) {
    assert.ok(help.includes(`--${o.flag}`), o.flag);
    assert.ok(help.includes(o.env), o.env);
  }
});
