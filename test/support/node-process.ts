import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A Node.js script of this repository run as a child process, as npm would run it. */
export interface NodeProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  exitCode: Promise<number | null>;
}

/** Runs `script` (a path from the repository root) through ts-node, with `env` over this process's. */
export function startNodeProcess(script: string, env: Record<string, string>): NodeProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', script], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exitCode };
}
