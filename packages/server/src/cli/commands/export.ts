/** `vigil export`: spans of a time range as JSONL in the API span shape. */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_PROJECT, parseRange, spanToJson } from '@vigil/core';
import type { Command } from '../command.js';
import { line } from '../io.js';
import { openStoreFromFlags, STORE_FLAGS, STORE_FLAGS_HELP } from './store-flags.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write spans of a time range as JSON lines',
  help: () =>
    [
      'Usage: vigil export [--from <time>] [--to <time>] [--out <file>] [options]',
      '',
      'Writes one span per line in the API span shape (docs/api.md), in start-time order, to',
      'stdout or --out. Progress goes to stderr. Times are ISO 8601 or epoch milliseconds;',
      'default: the last 24 hours.',
      '',
      'Options:',
      '  --from <time>       start of the range (inclusive)',
      '  --to <time>         end of the range (exclusive, default now)',
      '  --out <file>        write here instead of stdout',
      '  --project <id>      project (default "default")',
      '  --batch <n>         spans per store read (default 5000)',
      STORE_FLAGS_HELP,
    ].join('\n'),

  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...STORE_FLAGS,
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
        project: { type: 'string', default: DEFAULT_PROJECT },
        batch: { type: 'string', default: '5000' },
      },
    });
    const range = parseRange({ from: values.from, to: values.to });
    const batch = Math.max(1, Number(values.batch) || 5000);
    const store = await openStoreFromFlags(values, io);
    const out = values.out ? createWriteStream(values.out) : io.stdout;
    let count = 0;
    let lastReport = 0;
    const t0 = Date.now();
    try {
      for await (const spans of store.exportSpans(values.project as string, range, batch)) {
        let chunk = '';
        for (const s of spans) chunk += `${JSON.stringify(spanToJson(s))}\n`;
        count += spans.length;
        if (!out.write(chunk)) await once(out, 'drain');
        if (Date.now() - lastReport > 1000) {
          lastReport = Date.now();
          io.stderr.write(`\rexported ${count} spans…`);
        }
      }
    } finally {
      await store.close();
      if (values.out) {
        out.end();
        await once(out, 'finish');
      }
    }
    const s = ((Date.now() - t0) / 1000).toFixed(1);
    io.stderr.write(`\r`);
    line(io.stderr, `exported ${count} spans in ${s}s${values.out ? ` to ${values.out}` : ''}`);
    return 0;
  },
};
