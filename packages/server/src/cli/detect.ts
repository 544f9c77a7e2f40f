/**
 * `vigil detect --csv FILE`: anomaly scores for a `timestamp,value` CSV, streamed row by row to
 * stdout as `timestamp,value,anomaly_score`. The scoring lives in @vigil/core (CsvScorer); this
 * module only moves lines.
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ALGORITHMS, CsvScorer, DEFAULT_ALGORITHM, SENSITIVITY_THRESHOLDS, type Sensitivity } from '@vigil/core';
import type { Command } from './command.js';
import { type CliIO, line, UsageError } from './io.js';

export const detectCommand: Command = {
  name: 'detect',
  summary: 'score a timestamp,value CSV for anomalies (streaming)',
  help: () =>
    [
      'Usage: vigil detect --csv <file|-> [--algorithm <name>] [--sensitivity low|medium|high] [--flag-only]',
      '',
      'Reads `timestamp,value` rows (a header row is optional; timestamps are ISO 8601, epoch',
      'seconds or epoch milliseconds) and writes `timestamp,value,anomaly_score` to stdout, one',
      'row per input row, as it reads: the score of a row uses that row and the rows before it',
      'only. Scores are in [0, 1]: an event of probability p under the learned normal behaviour',
      'scores 1 − p^0.1, so 0.5 is a 1-in-1,000 event whatever the algorithm. Rows that cannot',
      'be read are echoed with score 0.',
      '',
      'Options:',
      '  --csv <file|->          input file, or - for stdin (required)',
      `  --algorithm <name>      ${ALGORITHMS.join(', ')} (default ${DEFAULT_ALGORITHM})`,
      '  --sensitivity <level>   with --flag-only: low, medium (default) or high',
      '  --flag-only             print only the rows at or above the sensitivity threshold',
      '  --upper <x>, --lower <x>  bounds for --algorithm threshold',
    ].join('\n'),

  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        csv: { type: 'string' },
        algorithm: { type: 'string', default: DEFAULT_ALGORITHM },
        sensitivity: { type: 'string', default: 'medium' },
        'flag-only': { type: 'boolean', default: false },
        upper: { type: 'string' },
        lower: { type: 'string' },
      },
    });
    if (!values.csv) throw new UsageError('--csv <file|-> is required');
    const sensitivity = values.sensitivity as Sensitivity;
    if (!(sensitivity in SENSITIVITY_THRESHOLDS)) throw new UsageError('--sensitivity must be low, medium or high');
    if (!(ALGORITHMS as readonly string[]).includes(values.algorithm as string))
      throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
    const num = (s: string | undefined, name: string) => {
      if (s === undefined) return undefined;
      const x = Number(s);
      if (!Number.isFinite(x)) throw new UsageError(`${name} must be a number`);
      return x;
    };
    let scorer: CsvScorer;
    try {
      scorer = new CsvScorer({
        algorithm: values.algorithm,
        detectorOptions: { upper: num(values.upper, '--upper'), lower: num(values.lower, '--lower') },
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    return streamCsv(values.csv, scorer, io, values['flag-only'] ? SENSITIVITY_THRESHOLDS[sensitivity] : null);
  },
};

async function streamCsv(path: string, scorer: CsvScorer, io: CliIO, flagAt: number | null): Promise<number> {
  const input: NodeJS.ReadableStream =
    path === '-' ? ((io as CliIO & { stdin?: NodeJS.ReadableStream }).stdin ?? process.stdin) : createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    input.once('error', reject);
    if (path === '-') resolve();
    else input.once('open', () => resolve());
  });
  try {
    await opened;
  } catch (err) {
    line(io.stderr, `vigil detect: cannot read ${path}: ${(err as Error).message}`);
    return 1;
  }
  const out = io.stdout;
  let buf = `${scorer.header()}\n`;
  let rows = 0;
  const flush = async () => {
    if (buf && !out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  for await (const raw of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    const o = scorer.line(raw);
    if (o === null) continue;
    rows++;
    if (flagAt !== null && !(Number(o.slice(o.lastIndexOf(',') + 1)) >= flagAt)) continue;
    buf += `${o}\n`;
    if (buf.length > 1 << 16) await flush();
  }
  await flush();
  if (scorer.skipped > 0)
    line(io.stderr, `vigil detect: ${scorer.skipped} of ${rows} rows could not be read and scored 0`);
  return 0;
}
