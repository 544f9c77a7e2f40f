/**
 * End-to-end helpers: run `vigil serve` as a real child process (from sources), wait until it
 * listens, and talk HTTP to it. Every server gets its own temp data dir and port 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(REPO_ROOT, 'tests', 'e2e', 'vigil-cli.ts');

export function tempDir(prefix = 'vigil-e2e-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface VigilProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  /** The admin key printed on first start, if any. */
  printedKey: string | null;
  stdout(): string;
  stderr(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (no flush, no cleanup) and wait for exit. */
  kill9(): Promise<void>;
}

/** The compiled bin, as `npx vigil` runs it (its dist is built by `npm test` before the tests). */
const COMPILED_BIN = join(REPO_ROOT, 'packages', 'server', 'bin', 'vigil.js');

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, compiled = false): ChildProcess {
  const argv = compiled ? [COMPILED_BIN, ...args] : ['--conditions=vigil-source', '--import', 'tsx', CLI, ...args];
  return spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a CLI command to completion. */
export function runCliToEnd(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = runCli(args, env);
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d) => {
    stdout += d;
  });
  proc.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`vigil ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function startVigil(opts: {
  dataDir: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Run the compiled bin instead of the sources. */
  compiled?: boolean;
}): Promise<VigilProcess> {
  const proc = runCli(
    [
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      opts.dataDir,
      '--log-level',
      'error',
      ...(opts.args ?? []),
    ],
    opts.env,
    opts.compiled,
  );
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`vigil serve did not start:\n${out}\n${err}`)),
      opts.timeoutMs ?? 30_000,
    );
    const check = () => {
      const m = /OTLP endpoint: (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited with ${code}:\n${out}\n${err}`));
    });
  });
  const key = /API key \(shown once[^)]*\): (\S+)/.exec(out);
  return {
    proc,
    url,
    port: Number(new URL(url).port),
    printedKey: key ? key[1] : null,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export function auth(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${key}`, ...extra };
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary API JSON
export async function getJson(url: string, key: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: auth(key) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export function randomHex(chars: number): string {
  let s = '';
  while (s.length < chars)
    s += Math.floor(Math.random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, chars);
}
