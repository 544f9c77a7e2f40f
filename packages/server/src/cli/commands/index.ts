/**
 * The command table. Adding a command = one module under commands/ exporting a `Command`, plus
 * one line here (`detect`, `migrate`, ... plug in the same way).
 */
import type { Command } from '../command.js';
import { detectCommand } from '../detect.js';
import { migrateCommand } from '../migrate.js';
import { demoCommand } from './demo.js';
import { exportCommand } from './export.js';
import { keysCommand } from './keys.js';
import { serveCommand } from './serve.js';

export const COMMANDS: readonly Command[] = [
  serveCommand,
  keysCommand,
  exportCommand,
  demoCommand,
  migrateCommand,
  detectCommand,
];
