/** `vigil demo`: sends a realistic agent workload to a running server. */
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { line, UsageError } from '../io.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'send a demo agent workload (traces, metrics, logs) to a server',
  help: () =>
    [
      'Usage: vigil demo [--url <url>] [--api-key <key>] [--duration <seconds>]',
      '',
      'Simulates AI agents (LLM calls, tools, retrieval, errors, system metrics) against a running',
      'Vigil server, then exits 0 once everything was accepted.',
      '',
      'Options:',
      '  --url <url>          server URL [env VIGIL_URL, default http://127.0.0.1:4318]',
      '  --api-key <key>      API key with ingest rights [env VIGIL_API_KEY]',
      '  --duration <s>       seconds to run [default 10]',
    ].join('\n'),

  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        duration: { type: 'string' },
      },
    });
    const url = (values.url ?? io.env.VIGIL_URL ?? 'http://127.0.0.1:4318').replace(/\/+$/, '');
    const apiKey = values['api-key'] ?? io.env.VIGIL_API_KEY;
    if (!apiKey) throw new UsageError('an API key is needed: --api-key <key> or VIGIL_API_KEY');
    const durationS = Number(values.duration ?? '10');
    if (!Number.isFinite(durationS) || durationS <= 0)
      throw new UsageError('--duration must be a positive number of seconds');

    // Loaded on demand: the workload pulls in the SDK, which no other command needs.
    const { runDemo } = await import('../../demo/workload.js');
    const isTty = (io.stderr as NodeJS.WriteStream).isTTY === true;
    let lastLine = 0;
    const result = await runDemo({
      url,
      apiKey,
      durationS,
      onProgress: (p) => {
        const text = typeof p === 'string' ? p : formatProgress(p);
        if (isTty) io.stderr.write(`\r${text}\x1b[K`);
        else if (Date.now() - lastLine > 2000) {
          lastLine = Date.now();
          line(io.stderr, text);
        }
      },
    });
    if (isTty) io.stderr.write('\n');
    line(io.stdout, `demo finished: ${typeof result === 'object' && result ? formatProgress(result) : 'ok'}`);
    return 0;
  },
};

function formatProgress(p: unknown): string {
  if (!p || typeof p !== 'object') return String(p);
  return Object.entries(p as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v}`)
    .join(' ');
}
