/** Test helper: a real listening server on port 0 with a temp DuckDB store and a known admin key. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '@vigil/core';
import { DEFAULT_CONFIG, type ServerConfig } from '../config/config.js';
import { type StartedServer, startServer } from './start.js';

export interface TestServer extends StartedServer {
  key: string;
  dir: string;
  api(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  dispose(): Promise<void>;
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-server-'));
  const key = generateApiKey();
  const started = await startServer({
    ...DEFAULT_CONFIG,
    port: 0,
    dataDir: dir,
    apiKey: key,
    logLevel: 'silent',
    retentionDays: 0,
    // Host sampling would add metrics tests do not expect; its own test turns it on.
    hostMetricsIntervalMs: 0,
    ...overrides,
  });
  return {
    ...started,
    key,
    dir,
    api(path, init = {}) {
      const { key: k = key, headers, ...rest } = init;
      return fetch(`${started.url}${path}`, {
        ...rest,
        headers: { ...(k ? { authorization: `Bearer ${k}` } : {}), ...(headers as Record<string, string>) },
      });
    },
    async dispose() {
      await started.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
