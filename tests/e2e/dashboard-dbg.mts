import { generateApiKey } from '@vigil/core';
import { DEFAULT_CONFIG, startServer } from '@vigil/server';
import { agentTrace } from './dashboard-harness.js';

const key = generateApiKey();
const s = await startServer({
  ...DEFAULT_CONFIG,
  port: 41501,
  dataDir: '/tmp/vigil-web-dbg-data',
  apiKey: key,
  logLevel: 'info',
  retentionDays: 0,
});
const tr = agentTrace({ startMs: Date.now() - 60000, agentIndex: 0 });
for (const ev of [tr.spans[0], tr.spans[1], { type: 'system', cpuUsage: 20 }]) {
  const res = await fetch(`${s.url}/api/v1/ingest`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ serviceName: 'x', events: [ev] }),
  });
  console.log(res.status, await res.text());
}
await s.stop();
