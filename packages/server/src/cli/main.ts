/** `vigil <command> [options]`: dispatches to the command table; `vigil --help` lists everything. */
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { type CliIO, line, processIO, UsageError } from './io.js';

export function mainHelp(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'Vigil: self-hosted observability for AI agents',
    '',
    'Usage: vigil <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `vigil <command> --help` for the options of a command.',
    'Configuration precedence: defaults < vigil.config.yaml (or --config) < VIGIL_* environment < flags.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    line(name ? io.stdout : io.stderr, target ? target.help() : mainHelp());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    line(io.stdout, '0.1.0');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    line(io.stderr, `vigil: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    line(io.stdout, command.help());
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || (err as Error)?.name === 'ConfigError') {
      line(io.stderr, `vigil ${name}: ${(err as Error).message}\nRun \`vigil ${name} --help\` for usage.`);
      return 2;
    }
    if ((err as Error)?.name === 'TypeError' && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      line(io.stderr, `vigil ${name}: ${(err as Error).message}\nRun \`vigil ${name} --help\` for usage.`);
      return 2;
    }
    line(io.stderr, `vigil ${name}: ${(err as Error)?.message ?? err}`);
    return 1;
  }
}
