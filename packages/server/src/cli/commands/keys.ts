/** `vigil keys list|create|revoke`: key management straight against the store. */
import { parseArgs } from 'node:util';
import { AuthService, DEFAULT_PROJECT, isRole, usToIso } from '@vigil/core';
import type { Command } from '../command.js';
import { line, UsageError } from '../io.js';
import { openStoreFromFlags, STORE_FLAGS, STORE_FLAGS_HELP } from './store-flags.js';

export const keysCommand: Command = {
  name: 'keys',
  summary: 'list, create or revoke API keys',
  help: () =>
    [
      'Usage:',
      '  vigil keys list [options]',
      '  vigil keys create --name <name> [--role admin|member|viewer|ingest] [options]',
      '  vigil keys revoke <id> [options]',
      '',
      'Works on the store directly (stop a server using the same DuckDB data dir first, or use',
      'the /api/v1/keys endpoints). Roles: admin (everything), member (ingest, read, ack alerts),',
      'viewer (read), ingest (write telemetry only; the right key for apps and collectors).',
      '',
      'Options:',
      '  --project <id>      project (default "default")',
      '  --name <name>       name of the new key',
      '  --role <role>       role of the new key (default ingest)',
      '  --json              machine-readable output',
      STORE_FLAGS_HELP,
    ].join('\n'),

  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        ...STORE_FLAGS,
        project: { type: 'string', default: DEFAULT_PROJECT },
        name: { type: 'string' },
        role: { type: 'string', default: 'ingest' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const [action, ...args] = positionals;
    if (!action || !['list', 'create', 'revoke'].includes(action)) {
      throw new UsageError('expected list, create or revoke');
    }
    if (action === 'create') {
      if (!values.name) throw new UsageError('create needs --name');
      if (!isRole(values.role)) throw new UsageError('--role must be admin, member, viewer or ingest');
    }
    if (action === 'revoke' && !args[0]) throw new UsageError('revoke needs the key id (see `vigil keys list`)');

    const store = await openStoreFromFlags(values, io);
    try {
      const auth = new AuthService(store);
      const project = values.project as string;
      if (action === 'list') {
        const keys = await auth.list(project);
        if (values.json) {
          line(io.stdout, JSON.stringify(keys.map(({ hash: _h, ...k }) => k)));
          return 0;
        }
        if (keys.length === 0) line(io.stdout, `no keys in project ${project}`);
        for (const k of keys) {
          const state = k.revokedUs ? `revoked ${usToIso(k.revokedUs)}` : 'active';
          line(io.stdout, `${k.id}  ${k.prefix}…  ${k.role.padEnd(6)}  ${state.padEnd(8)}  ${k.name}`);
        }
        return 0;
      }
      if (action === 'create') {
        if (!(await store.getProject(project))) {
          if (project !== DEFAULT_PROJECT) throw new UsageError(`project ${project} does not exist`);
          // Not bootstrap(): that would also mint an admin key nobody ever sees.
          await store.createProject({ id: DEFAULT_PROJECT, name: 'Default', createdUs: Date.now() * 1000 });
        }
        const { record, key } = await auth.create(project, values.name as string, values.role as never);
        if (values.json) line(io.stdout, JSON.stringify({ id: record.id, name: record.name, role: record.role, key }));
        else {
          line(io.stdout, `created ${record.role} key "${record.name}" (id ${record.id})`);
          line(io.stdout, `key (shown once): ${key}`);
        }
        return 0;
      }
      const ok = await auth.revoke(project, args[0]);
      if (!ok) {
        line(io.stderr, `no key ${args[0]} in project ${project}`);
        return 1;
      }
      line(io.stdout, `revoked ${args[0]}`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
