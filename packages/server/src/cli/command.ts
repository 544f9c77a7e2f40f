/** The shape every `vigil <command>` module exports. */
import type { CliIO } from './io.js';

export interface Command {
  name: string;
  /** One line for `vigil --help`. */
  summary: string;
  /** Full text for `vigil <command> --help`. */
  help(): string;
  run(argv: string[], io: CliIO): Promise<number>;
}
