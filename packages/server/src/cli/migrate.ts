/**
 * `vigil migrate`: apply the store's schema migrations (safe while other instances run: PostgreSQL
 * migrations serialise on an advisory lock), or print the schema SQL for review / Supabase's SQL
 * editor with `--print [--dialect postgres|supabase]`.
 */
import { parseArgs } from 'node:util';
import { postgresSql, supabaseSql } from '@vigil/core';
import type { Command } from './command.js';
import { openStoreFromFlags, STORE_FLAGS, STORE_FLAGS_HELP } from './commands/store-flags.js';
import { line, UsageError } from './io.js';

const DIALECTS = ['postgres', 'supabase'] as const;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply schema migrations, or print the PostgreSQL / Supabase schema SQL',
  help: () =>
    [
      'Usage:',
      '  vigil migrate [--store <url>] [options]       apply pending migrations to the store',
      '  vigil migrate --print [--dialect postgres|supabase] [--schema <name>]',
      '',
      'Servers migrate on start too; run this before a rolling upgrade of several instances, or to',
      'check a database. With PostgreSQL, concurrent migrators wait for each other (advisory lock).',
      '--print writes the schema as one idempotent SQL script to stdout; the supabase dialect adds',
      'row-level security: the service role has full access, signed-in users read the projects they',
      'are members of (table project_members, matched with auth.uid()), anon reads nothing.',
      'The schema defaults to "vigil"; with --store, set it as postgres://…/db?schema=<name>.',
      '',
      'Options:',
      '  --print             print SQL instead of applying it',
      '  --dialect <name>    postgres (default) or supabase, with --print',
      '  --schema <name>     schema of the printed SQL (default vigil)',
      STORE_FLAGS_HELP,
    ].join('\n'),

  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...STORE_FLAGS,
        print: { type: 'boolean', default: false },
        dialect: { type: 'string', default: 'postgres' },
        schema: { type: 'string', default: 'vigil' },
      },
      allowPositionals: false,
      strict: true,
    });
    if (values.print) {
      const dialect = values.dialect as (typeof DIALECTS)[number];
      if (!DIALECTS.includes(dialect)) throw new UsageError('--dialect must be postgres or supabase');
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(values.schema as string)) {
        throw new UsageError('--schema must be an SQL identifier (letters, digits, _)');
      }
      const opts = { schema: values.schema as string };
      io.stdout.write(dialect === 'supabase' ? supabaseSql(opts) : postgresSql(opts));
      return 0;
    }
    if (argv.includes('--dialect') || argv.includes('--schema')) {
      throw new UsageError('--dialect and --schema go with --print (to apply to a schema, use ?schema= in --store)');
    }
    const store = await openStoreFromFlags(values, io); // opens and migrates
    try {
      line(io.stdout, `${store.backend} store migrated: schema up to date`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
