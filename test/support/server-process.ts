import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address ? address.port : 0;
}

/** `src/main.ts` as its own process (transpiled on the fly), with only the given environment. */
export function startServerProcess(env: Record<string, string>): ServerProcess {
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    port: Number(env.PORT),
    output: () => stdout + stderr,
    stderr: () => stderr,
    exited,
  };
}

/** Polls GET /health until it answers 200; returns the milliseconds it took. */
export async function waitForHealthy(server: ServerProcess, timeoutMs = 60_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (server.child.exitCode !== null) {
      throw new Error(`server exited (${server.child.exitCode}): ${server.output()}`);
    }
    const ok = await fetch(`http://127.0.0.1:${server.port}/health`)
      .then((res) => res.status === 200)
      .catch(() => false);
    if (ok) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not healthy in ${timeoutMs} ms: ${server.output()}`);
}
