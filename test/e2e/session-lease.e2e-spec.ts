import { rmSync } from 'node:fs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { bearer, login, registerUser } from '../factories/users';
import {
  freePort,
  type ServerProcess,
  startServerProcess,
  waitForHealthy,
} from '../support/server-process';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/test-app';
import { makeTestDir, testDatabaseUrl } from '../support/test-database';

const TOOL_TIMEOUT_MS = 5000;
/** About 2.7 s of mathjs on this kind of machine: long enough to be killed in the middle of. */
const SLOW_EXPRESSION = 'det(inv(random([400, 400])))';

/**
 * A process killed while it runs a tool leaves its session's busy lease behind. Another instance
 * on the same database answers 409 while the lease lasts (2 × TOOL_TIMEOUT_MS + 5 s), then takes the
 * session as if nothing had happened: no session is locked forever by a dead holder.
 */
describe('a busy session whose holder was killed', () => {
  const dataDir = makeTestDir('casefile-hub-lease-');
  let server: ServerProcess;
  let survivor: TestApp;

  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    await survivor?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is free again on another instance once the lease has passed', async () => {
    const env = { TOOL_TIMEOUT_MS: String(TOOL_TIMEOUT_MS) };
    server = startServerProcess({
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      DATABASE_URL: testDatabaseUrl(),
      LOG_LEVEL: 'warn',
      // the tokens the surviving instance issues are good on the doomed one
      JWT_SECRET: TEST_JWT_SECRET,
      ...env,
    });
    survivor = await createTestApp({ env });
    await waitForHealthy(server);
    const doomed = `http://127.0.0.1:${server.port}`;
    const user = await registerUser(survivor.app.getHttpServer());
    const auth = bearer(await login(survivor.app.getHttpServer(), user));
    const session = await request(survivor.app.getHttpServer())
      .post('/v1/tool-sessions')
      .set('Authorization', auth)
      .send({})
      .expect(201);
    const path = `/v1/tool-sessions/${session.body.data.id}/requests`;
    const slow = { tool: 'math.evaluate', parameters: { expression: SLOW_EXPRESSION } };

    const inFlight = request(doomed)
      .post(path)
      .set('Authorization', auth)
      .send(slow)
      .then(
        () => 'answered',
        () => 'cut',
      );
    const run = () =>
      request(survivor.app.getHttpServer())
        .post(path)
        .set('Authorization', auth)
        .send({ tool: 'text.stats', parameters: { text: 'x' } });
    // wait until the doomed instance holds the session — watched in the table, not by requests,
    // which would compete for the lease — then kill it mid-tool
    const db = survivor.app.get(DataSource);
    const held = async () =>
      (
        await db.query<{ busy_token: string | null }[]>(
          'SELECT busy_token FROM sessions WHERE id = $1',
          [session.body.data.id],
        )
      )[0].busy_token !== null;
    for (let i = 0; i < 300 && !(await held()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const busy = await run();
    expect(busy.status).toBe(409);
    const killedAt = Date.now();
    server.child.kill('SIGKILL');
    expect(await inFlight).toBe('cut');

    // still held by the dead process until its lease lapses …
    const during = await run();
    expect(during.status).toBe(409);
    expect(during.body.errors[0].code).toBe('CF_SESSION_BUSY');
    // … then free, without anyone releasing it
    let after = await run();
    while (after.status === 409 && Date.now() - killedAt < 2 * TOOL_TIMEOUT_MS + 8000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await run();
    }
    expect(after.status).toBe(201);
    expect(after.body.data.status).toBe('succeeded');
    expect(Date.now() - killedAt).toBeLessThan(2 * TOOL_TIMEOUT_MS + 5000 + 1500);
  });
});
