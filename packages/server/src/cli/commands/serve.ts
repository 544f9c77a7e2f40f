/** `vigil serve`: the server, with graceful shutdown and the hourly retention job. */
import { parseArgs } from 'node:util';
import { loadConfig, OPTIONS, optionsHelp } from '../../config/config.js';
import { startServer } from '../../http/start.js';
import type { Command } from '../command.js';
import { line } from '../io.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the server: OTLP/HTTP ingest, REST API, dashboard',
  help: () =>
    [
      'Usage: vigil serve [options]',
      '',
      'Runs Vigil: OTLP/HTTP receivers (/v1/traces, /v1/metrics, /v1/logs), the REST API (/api/v1),',
      'the dashboard (/), /live, /ready and /metrics. On first start it creates the "default" project',
      'and prints an admin API key once. SIGINT/SIGTERM flush queued telemetry, then exit.',
      '',
      'Options:',
      optionsHelp(),
      '',
      'Point an OpenTelemetry SDK at it:',
      '  OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318',
      '  OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<key>',
    ].join('\n'),

  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        ...Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: 'string' as const }])),
      },
      allowPositionals: false,
      strict: true,
    });
    const { config, file } = loadConfig({
      flags: values as Record<string, string | undefined>,
      env: io.env,
      cwd: io.cwd,
      configFile: values.config as string | undefined,
    });
    const started = await startServer(config, {
      onRetention: (r) => {
        if (r.spans + r.metrics + r.logs > 0) {
          line(io.stderr, `retention: deleted ${r.spans} spans, ${r.metrics} metric points, ${r.logs} logs`);
        }
      },
      onError: (err) => line(io.stderr, `retention failed: ${(err as Error).message}`),
    });
    const { url, bootstrap } = started;
    // One write, so whoever parses the banner (scripts, tests) sees it whole.
    const banner = [
      `Vigil is running${file ? ` (config ${file})` : ''}`,
      `  Dashboard:     ${url}/${started.server.webDir ? '' : '  (no dashboard build found; API only)'}`,
      `  OTLP endpoint: ${url}  (OTEL_EXPORTER_OTLP_ENDPOINT=${url})`,
      `  Store:         ${config.store ? config.store.replace(/\/\/[^@/]*@/, '//***@') : `duckdb in ${config.dataDir}`}`,
    ];
    if (bootstrap.createdKey) {
      banner.push(
        '',
        `  Admin API key (shown once, store it now): ${bootstrap.createdKey}`,
        `  OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20${bootstrap.createdKey}`,
      );
    } else if (bootstrap.ensuredKeyAdded) {
      banner.push('  VIGIL_API_KEY registered as an admin key of the default project.');
    }
    io.stdout.write(`${banner.join('\n')}\n`);

    const signal = await io.shutdownSignal();
    line(io.stderr, `${signal}: flushing queued telemetry and shutting down…`);
    // A second signal while flushing means "now": exit without waiting.
    const forced = io.shutdownSignal().then(() => 130);
    const code = await Promise.race([started.stop().then(() => 0), forced]);
    line(io.stderr, code === 0 ? 'stopped cleanly' : 'forced exit');
    return code;
  },
};
