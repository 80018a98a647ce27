import { rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import {
  freePort,
  startServerProcess,
  type ServerProcess,
  waitForHealthy,
} from '../support/server-process';
import { makeTestDir, testDatabaseUrl } from '../support/test-database';

const CLIENTS = 20;

interface Tally {
  sent: number;
  answered: number;
  /** Status codes of the answers. */
  statuses: Record<number, number>;
  /** Requests cut off after they were sent on an open connection (reset, hang-up). */
  cut: string[];
  /** Connections refused once the listener closed: nothing was sent, nothing lost. */
  refused: number;
  closeHeaders: number;
}

/** One GET on a kept-alive connection of `agent`; settles with what became of it. */
function get(
  agent: Agent,
  port: number,
  path: string,
  tally: Tally,
): Promise<'answered' | 'refused' | 'cut'> {
  return new Promise((resolve) => {
    let sent = false;
    const req = httpRequest({ agent, host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => {
        tally.answered += 1;
        tally.statuses[res.statusCode ?? 0] = (tally.statuses[res.statusCode ?? 0] ?? 0) + 1;
        if (res.headers.connection === 'close') tally.closeHeaders += 1;
        resolve('answered');
      });
      res.on('error', (error) => {
        tally.cut.push(`response: ${error.message}`);
        resolve('cut');
      });
    });
    req.on('socket', (socket) => {
      // a reused socket is connected already; a new one counts once it connects
      if (!socket.connecting) sent = true;
      else socket.once('connect', () => (sent = true));
    });
    req.on('finish', () => {
      if (sent) tally.sent += 1;
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!sent && error.code === 'ECONNREFUSED') {
        tally.refused += 1;
        resolve('refused');
      } else {
        tally.cut.push(`${error.code ?? ''} ${error.message}`);
        resolve('cut');
      }
    });
    req.end();
  });
}

/**
 * API.md's drain, under load: 20 clients on kept-alive connections keep requesting while the
 * process gets SIGTERM. Every request written on an open connection must be answered — none cut
 * off with ECONNRESET or a hang-up — and the process must exit cleanly.
 */
describe('SIGTERM under load', () => {
  const dataDir = makeTestDir('casefile-hub-sigterm-');
  let server: ServerProcess;

  afterAll(() => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes every request already received and cuts none', async () => {
    server = startServerProcess({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      DATABASE_URL: testDatabaseUrl(),
      LOG_LEVEL: 'warn',
    });
    await waitForHealthy(server);
    const tally: Tally = {
      sent: 0,
      answered: 0,
      statuses: {},
      cut: [],
      refused: 0,
      closeHeaders: 0,
    };
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    let stopAt = Infinity;
    const client = async () => {
      // each client requests back to back until the server is gone (refused), or a time limit
      while (performance.now() < stopAt) {
        if ((await get(agent, server.port, '/health', tally)) === 'refused') return;
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const answeredBeforeSignal = tally.answered;
    server.child.kill('SIGTERM');
    stopAt = performance.now() + 15_000;
    await Promise.all(clients);
    agent.destroy();
    const code = await server.exited;

    expect(answeredBeforeSignal).toBeGreaterThan(50);
    expect(tally.cut).toEqual([]);
    expect(tally.answered).toBe(tally.sent);
    // while draining, readiness says 503 and the connection is not kept
    expect(tally.closeHeaders).toBeGreaterThan(0);
    expect(Object.keys(tally.statuses).sort()).toEqual(expect.arrayContaining(['200']));
    expect(tally.refused).toBeGreaterThan(0);
    expect(code).toBe(0);
  });
});
