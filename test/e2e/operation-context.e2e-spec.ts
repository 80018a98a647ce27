import { Logger } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { AfterCommit } from '../../src/core/hub/after-commit';
import { BackgroundWork } from '../../src/core/hub/background';
import { Sql } from '../../src/platform/database/sql';
import { AuditTrail } from '../../src/modules/audit/audit-trail';
import { AuditRepository, type AuditEventRow } from '../../src/modules/audit/audit.repository';
import { bearer, login, registerUser } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';
import { TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import type { HubClsStore, JobContext } from '../../src/core/hub/work-context';

/** Operations that run their own transaction write their audit event in it. */
describe('audit events of operations with transaction: false', () => {
  let t: TestApp;
  let app: App;
  let db: DataSource;
  /** Operations whose success event the audit store refuses to write. */
  const refuse = new Set<string>();

  beforeAll(async () => {
    t = await createTestApp({
      overrides: [
        {
          token: AuditRepository,
          inject: [Sql],
          factory: (sql: Sql) => {
            const real = new AuditRepository(sql);
            return Object.assign(Object.create(real) as AuditRepository, {
              insert: (event: Omit<AuditEventRow, 'at'>) =>
                refuse.has(event.operation) && event.status === 'success'
                  ? Promise.reject(new Error('audit store refused the event'))
                  : real.insert(event),
            });
          },
        },
      ],
    });
    app = t.app.getHttpServer();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());
  afterEach(() => refuse.clear());

  const count = async (sql: string, params: unknown[]) =>
    Number((await db.query<{ n: string }[]>(sql, params))[0].n);

  it('login: no login is left behind when its event cannot be written', async () => {
    const user = await registerUser(app);
    refuse.add('login');
    await request(app)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(500);
    expect(await count('SELECT count(*) AS n FROM auth_logins WHERE user_id = $1', [user.id])).toBe(
      0,
    );
    refuse.clear();
    await login(app, user);
    expect(
      await count(
        "SELECT count(*) AS n FROM audit_events WHERE user_id = $1 AND operation = 'login' AND status = 'success'",
        [user.id],
      ),
    ).toBe(1);
  });

  it('logout: the login stays active when its event cannot be written', async () => {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    refuse.add('logout');
    await request(app).post('/v1/auth/logout').set('Authorization', bearer(tokens)).expect(500);
    await request(app).get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(200);
    refuse.clear();
    await request(app).post('/v1/auth/logout').set('Authorization', bearer(tokens)).expect(200);
    await request(app).get('/v1/auth/me').set('Authorization', bearer(tokens)).expect(401);
    expect(
      await count(
        "SELECT count(*) AS n FROM audit_events WHERE user_id = $1 AND operation = 'logout' AND status = 'success'",
        [user.id],
      ),
    ).toBe(1);
  });

  it('refresh: the old refresh token is not spent when the event cannot be written', async () => {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    refuse.add('refresh_token');
    await request(app)
      .post('/v1/auth/refresh')
      .send({ refresh_token: tokens.refresh_token })
      .expect(500);
    refuse.clear();
    // still unspent: presenting it again is a normal refresh, not reuse
    await request(app)
      .post('/v1/auth/refresh')
      .send({ refresh_token: tokens.refresh_token })
      .expect(200);
  });

  it('revoke_api_key: the key keeps working when the event cannot be written', async () => {
    const user = await registerUser(app);
    const tokens = await login(app, user);
    const created = await request(app)
      .post('/v1/auth/api-keys')
      .set('Authorization', bearer(tokens))
      .send({ name: 'kept' })
      .expect(201);
    const { id, key } = created.body.data as { id: string; key: string };
    refuse.add('revoke_api_key');
    await request(app)
      .delete(`/v1/auth/api-keys/${id}`)
      .set('Authorization', bearer(tokens))
      .expect(500);
    await request(app).get('/v1/auth/me').set('X-API-Key', key).expect(200);
    refuse.clear();
    await request(app)
      .delete(`/v1/auth/api-keys/${id}`)
      .set('Authorization', bearer(tokens))
      .expect(204);
    await request(app).get('/v1/auth/me').set('X-API-Key', key).expect(401);
  });
});

/** Jobs run in the same kind of context as requests. */
describe('BackgroundWork', () => {
  let t: TestApp;
  let background: BackgroundWork;
  let afterCommit: AfterCommit;
  let auditTrail: AuditTrail;
  let cls: ClsService<HubClsStore>;
  let sql: Sql;

  beforeAll(async () => {
    t = await createTestApp();
    background = t.app.get(BackgroundWork);
    afterCommit = t.app.get(AfterCommit);
    auditTrail = t.app.get(AuditTrail);
    cls = t.app.get(ClsService);
    sql = t.app.get(Sql);
  });
  afterAll(() => t.close());

  it('gives a job a context of its own: id, operation, audit notes and log lines', async () => {
    const seen = await background.run('probe_job', () => {
      auditTrail.note({ resourceType: 'thing', details: { n: 1 } });
      auditTrail.note({ details: { m: 2 } });
      new Logger('ProbeJob').log('inside the job');
      return Promise.resolve({ ...cls.get<JobContext>('work'), noted: auditTrail.noted() });
    });
    expect(seen).toMatchObject({
      kind: 'job',
      operation: 'probe_job',
      id: expect.stringMatching(/^job:probe_job:[0-9a-f-]{36}$/) as string,
      noted: { resourceType: 'thing', details: { n: 1, m: 2 } },
    });
    const line = t.logs.lines.find((l) => l.msg === 'inside the job');
    expect(line).toMatchObject({ request_id: seen.id, job: 'probe_job' });
    // two jobs never share one
    const other = await background.run('probe_job', () =>
      Promise.resolve(cls.get<JobContext>('work').id),
    );
    expect(other).not.toBe(seen.id);
  });

  it('runs after-commit work only once the transaction has committed', async () => {
    const order: string[] = [];
    await background.run('probe_job', () =>
      background.inTransaction(async () => {
        await afterCommit.run(() => Promise.resolve(void order.push('after-commit')));
        await sql.rows('SELECT 1');
        order.push('last statement in the transaction');
      }),
    );
    expect(order).toEqual(['last statement in the transaction', 'after-commit']);
  });

  it('drops after-commit work of a transaction that rolled back', async () => {
    const ran: string[] = [];
    await background.run('probe_job', async () => {
      await background
        .inTransaction(async () => {
          await afterCommit.run(() => Promise.resolve(void ran.push('rolled back work')));
          throw new Error('the job failed');
        })
        .catch(() => undefined);
      await background.inTransaction(() =>
        afterCommit.run(() => Promise.resolve(void ran.push('committed work'))),
      );
    });
    expect(ran).toEqual(['committed work']);
  });

  it('refuses after-commit work inside a transaction that has no context to hold it', async () => {
    const txHost = t.app.get(TransactionHost);
    const work = jest.fn(() => Promise.resolve());
    await expect(
      cls.run(() => txHost.withTransaction(() => afterCommit.run(work))),
    ).rejects.toThrow('needs a request or BackgroundWork context');
    expect(work).not.toHaveBeenCalled();
  });
});
