import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { createCasefile, grantPermission, insertToolSession } from '../factories/casefiles';
import { bearer, grantRole, login, registerUser, type TokenPair } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

type User = TokenPair & { id: string; email: string };
const ROLES = ['anonymous', 'stranger', 'viewer', 'editor', 'manager', 'owner', 'admin'] as const;
type Role = (typeof ROLES)[number];
type Level = 'viewer' | 'editor' | 'manager' | 'owner';

/**
 * Every casefile route, what it needs, and what a caller with enough access gets. `call` builds
 * the request for one fresh casefile; `setup` prepares what a successful call needs.
 */
interface RouteCase {
  route: string;
  needs: Level | null;
  ok: number;
  call: (ctx: {
    http: ReturnType<typeof request>;
    casefileId: string;
    sessionId: string;
    targetId: string;
  }) => request.Test;
}

const ROUTES: RouteCase[] = [
  {
    route: 'POST /casefiles',
    needs: null,
    ok: 201,
    call: ({ http }) => http.post('/v1/casefiles').send({ title: 'new' }),
  },
  {
    route: 'POST /casefiles/with-session',
    needs: null,
    ok: 201,
    call: ({ http }) => http.post('/v1/casefiles/with-session').send({ title: 'new' }),
  },
  { route: 'GET /casefiles', needs: null, ok: 200, call: ({ http }) => http.get('/v1/casefiles') },
  {
    route: 'POST /casefiles/query',
    needs: null,
    ok: 200,
    call: ({ http }) => http.post('/v1/casefiles/query').send({}),
  },
  {
    route: 'GET /casefiles/{id}',
    needs: 'viewer',
    ok: 200,
    call: ({ http, casefileId }) => http.get(`/v1/casefiles/${casefileId}`),
  },
  {
    route: 'PATCH /casefiles/{id}',
    needs: 'editor',
    ok: 200,
    call: ({ http, casefileId }) =>
      http.patch(`/v1/casefiles/${casefileId}`).send({ title: 'changed' }),
  },
  {
    route: 'DELETE /casefiles/{id}',
    needs: 'owner',
    ok: 204,
    call: ({ http, casefileId }) => http.delete(`/v1/casefiles/${casefileId}`),
  },
  {
    route: 'POST /casefiles/{id}/permissions',
    needs: 'manager',
    ok: 200,
    call: ({ http, casefileId, targetId }) =>
      http
        .post(`/v1/casefiles/${casefileId}/permissions`)
        .send({ user_id: targetId, permission: 'viewer' }),
  },
  {
    route: 'GET /casefiles/{id}/permissions',
    needs: 'viewer',
    ok: 200,
    call: ({ http, casefileId }) => http.get(`/v1/casefiles/${casefileId}/permissions`),
  },
  {
    route: 'DELETE /casefiles/{id}/permissions/{user_id}',
    needs: 'manager',
    ok: 204,
    call: ({ http, casefileId, targetId }) =>
      http.delete(`/v1/casefiles/${casefileId}/permissions/${targetId}`),
  },
  {
    route: 'GET /casefiles/{id}/permissions/check',
    needs: 'viewer',
    ok: 200,
    call: ({ http, casefileId }) =>
      http.get(`/v1/casefiles/${casefileId}/permissions/check?permission=editor`),
  },
  {
    route: 'POST /casefiles/{id}/sessions',
    needs: 'editor',
    ok: 200,
    call: ({ http, casefileId, sessionId }) =>
      http.post(`/v1/casefiles/${casefileId}/sessions`).send({ session_id: sessionId }),
  },
  {
    route: 'GET /casefiles/{id}/events',
    needs: 'viewer',
    ok: 200,
    call: ({ http, casefileId }) => http.get(`/v1/casefiles/${casefileId}/events`),
  },
];

const RANK: Record<Level, number> = { viewer: 0, editor: 1, manager: 2, owner: 3 };

/** What a role gets on a route: the contract's answer, derived from the levels of API.md §4. */
function expected(role: Role, route: RouteCase): { status: number; code?: string } {
  if (role === 'anonymous') return { status: 401, code: 'AUTH_MISSING_TOKEN' };
  if (route.needs === null) return { status: route.ok };
  // roles grant nothing on casefiles: an admin without a grant is a stranger here
  if (role === 'stranger' || role === 'admin') return { status: 404, code: 'NF_CASEFILE' };
  return RANK[role] >= RANK[route.needs]
    ? { status: route.ok }
    : { status: 403, code: 'AUTH_FORBIDDEN' };
}

describe('Casefile access (API.md §4): the full matrix and the permission routes', () => {
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;
  let db: DataSource;
  const users = {} as Record<Exclude<Role, 'anonymous'>, User>;
  let target: User;

  const newUser = async (): Promise<User> => {
    const user = await registerUser(app);
    return { ...(await login(app, user)), id: user.id, email: user.email };
  };
  const as = (user: TokenPair) => ({
    get: (path: string) => http.get(path).set('Authorization', bearer(user)),
    post: (path: string) => http.post(path).set('Authorization', bearer(user)),
    patch: (path: string) => http.patch(path).set('Authorization', bearer(user)),
    delete: (path: string) => http.delete(path).set('Authorization', bearer(user)),
  });

  /** A fresh casefile owned by `owner`, shared with viewer, editor and manager (and target as viewer). */
  const sharedCasefile = async (): Promise<string> => {
    const { id } = await createCasefile(app, users.owner, { title: 'Shared' });
    for (const level of ['viewer', 'editor', 'manager'] as const) {
      await grantPermission(app, users.owner, id, users[level].id, level);
    }
    await grantPermission(app, users.owner, id, target.id, 'viewer');
    return id;
  };

  beforeAll(async () => {
    t = await createTestApp();
    app = t.app.getHttpServer();
    http = request(app);
    db = t.app.get(DataSource);
    for (const role of ['stranger', 'viewer', 'editor', 'manager', 'owner'] as const) {
      users[role] = await newUser();
    }
    const admin = await registerUser(app);
    await grantRole(db, admin.id, 'admin');
    users.admin = { ...(await login(app, admin)), id: admin.id, email: admin.email };
    target = await newUser();
  });
  afterAll(() => t.close());

  describe.each(ROUTES)('$route', (route) => {
    it.each(ROLES)('as %s', async (role) => {
      const casefileId = await sharedCasefile();
      const caller = role === 'anonymous' ? undefined : users[role];
      const sessionId = await insertToolSession(db, caller?.id ?? users.stranger.id);
      const unauthenticated = request(app);
      const req = route.call({
        http: caller
          ? ({
              get: (p: string) => as(caller).get(p),
              post: (p: string) => as(caller).post(p),
              patch: (p: string) => as(caller).patch(p),
              delete: (p: string) => as(caller).delete(p),
            } as unknown as ReturnType<typeof request>)
          : unauthenticated,
        casefileId,
        sessionId,
        targetId: target.id,
      });
      const res = await req;
      const want = expected(role, route);
      expect({
        status: res.status,
        code: res.body?.errors?.[0]?.code as string | undefined,
      }).toEqual({
        status: want.status,
        code: want.code,
      });
      if (want.status === 403) {
        expect(res.body.errors[0].details).toEqual({ required: route.needs, actual: role });
      }
      // lists show the casefile exactly to those who may read it
      if (
        want.status === 200 &&
        (route.route === 'GET /casefiles' || route.route === 'POST /casefiles/query')
      ) {
        const ids = (res.body.data.items as { id: string }[]).map((c) => c.id);
        expect(ids.includes(casefileId)).toBe(role !== 'stranger' && role !== 'admin');
      }
      if (route.route === 'GET /casefiles/{id}' && want.status === 200) {
        expect(res.body.data.my_permission).toBe(role);
      }
    });
  });

  it('audits denials, reads included, with the levels involved', async () => {
    const casefileId = await sharedCasefile();
    await as(users.viewer).patch(`/v1/casefiles/${casefileId}`).send({ title: 'no' }).expect(403);
    await as(users.stranger).get(`/v1/casefiles/${casefileId}`).expect(404);
    const events = await db.query<
      {
        user_id: string;
        operation: string;
        http_status: number;
        details: Record<string, unknown>;
      }[]
    >(
      `SELECT user_id, operation, http_status, details FROM audit_events
        WHERE casefile_id = $1 AND status = 'failure' ORDER BY at, id`,
      [casefileId],
    );
    expect(events).toEqual([
      {
        user_id: users.viewer.id,
        operation: 'update_casefile',
        http_status: 403,
        details: expect.objectContaining({
          code: 'AUTH_FORBIDDEN',
          required: 'editor',
          actual: 'viewer',
        }) as object,
      },
      {
        user_id: users.stranger.id,
        operation: 'get_casefile',
        http_status: 404,
        details: expect.objectContaining({
          code: 'NF_CASEFILE',
          required: 'viewer',
          actual: null,
        }) as object,
      },
    ]);
    // a permitted read writes nothing
    await as(users.viewer).get(`/v1/casefiles/${casefileId}`).expect(200);
    const reads = await db.query(
      "SELECT 1 FROM audit_events WHERE casefile_id = $1 AND operation = 'get_casefile' AND status = 'success'",
      [casefileId],
    );
    expect(reads).toEqual([]);
  });

  describe('grants', () => {
    let casefileId: string;
    beforeEach(async () => {
      casefileId = await sharedCasefile();
    });

    it('grants by email (case-insensitive) and upserts a changed level', async () => {
      const grantee = await newUser();
      const byEmail = await as(users.owner)
        .post(`/v1/casefiles/${casefileId}/permissions`)
        .send({ email: grantee.email.toUpperCase(), permission: 'viewer' })
        .expect(200);
      expect(byEmail.body.data).toEqual({
        user_id: grantee.id,
        username: expect.any(String) as string,
        permission: 'viewer',
        granted_by: users.owner.id,
        granted_at: expect.any(String) as string,
      });
      const upgraded = await as(users.manager)
        .post(`/v1/casefiles/${casefileId}/permissions`)
        .send({ user_id: grantee.id, permission: 'manager' })
        .expect(200);
      expect(upgraded.body.data).toMatchObject({
        permission: 'manager',
        granted_by: users.manager.id,
      });
      const rows = await db.query(
        'SELECT level FROM casefile_permissions WHERE casefile_id = $1 AND user_id = $2',
        [casefileId, grantee.id],
      );
      expect(rows).toEqual([{ level: 'manager' }]);
      const read = await as(grantee).get(`/v1/casefiles/${casefileId}`).expect(200);
      expect(read.body.data.my_permission).toBe('manager');
    });

    it('never grants owner and never changes the owner (422 BR_OWNER_PERMISSION)', async () => {
      const grantOwner = await as(users.owner)
        .post(`/v1/casefiles/${casefileId}/permissions`)
        .send({ user_id: target.id, permission: 'owner' })
        .expect(422);
      expect(grantOwner.body.errors[0].code).toBe('BR_OWNER_PERMISSION');
      const demoteOwner = await as(users.manager)
        .post(`/v1/casefiles/${casefileId}/permissions`)
        .send({ user_id: users.owner.id, permission: 'viewer' })
        .expect(422);
      expect(demoteOwner.body.errors[0].code).toBe('BR_OWNER_PERMISSION');
      const revokeOwner = await as(users.manager)
        .delete(`/v1/casefiles/${casefileId}/permissions/${users.owner.id}`)
        .expect(422);
      expect(revokeOwner.body.errors[0].code).toBe('BR_OWNER_PERMISSION');
      const read = await as(users.owner).get(`/v1/casefiles/${casefileId}`).expect(200);
      expect(read.body.data.my_permission).toBe('owner');
    });

    it.each([
      [{ permission: 'viewer' }, 'user_id'],
      [{ user_id: 'x', permission: 'viewer' }, 'user_id'],
      [{ email: 'not-an-email', permission: 'viewer' }, 'email'],
      [{ user_id: '0193aa00-0000-7000-8000-000000000000', permission: 'admin' }, 'permission'],
      [
        {
          user_id: '0193aa00-0000-7000-8000-000000000000',
          email: 'a@b.test',
          permission: 'viewer',
        },
        'email',
      ],
    ])('refuses %j with 400 VAL_FAILED (%s)', async (body, field) => {
      const res = await as(users.owner)
        .post(`/v1/casefiles/${casefileId}/permissions`)
        .send(body)
        .expect(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
      expect(
        (res.body.errors[0].details.fields as { field: string }[]).map((f) => f.field),
      ).toContain(field);
    });

    it('answers 404 NF_USER for an unknown grantee', async () => {
      const res = await as(users.owner)
        .post(`/v1/casefiles/${casefileId}/permissions`)
        .send({ email: 'nobody-here@example.test', permission: 'viewer' })
        .expect(404);
      expect(res.body.errors[0].code).toBe('NF_USER');
    });

    it('lists the owner first, then grants oldest first', async () => {
      const res = await as(users.viewer).get(`/v1/casefiles/${casefileId}/permissions`).expect(200);
      expect(
        (
          res.body.data.items as {
            user_id: string;
            permission: string;
            granted_by: string | null;
          }[]
        ).map((p) => [p.user_id, p.permission, p.granted_by]),
      ).toEqual([
        [users.owner.id, 'owner', null],
        [users.viewer.id, 'viewer', users.owner.id],
        [users.editor.id, 'editor', users.owner.id],
        [users.manager.id, 'manager', users.owner.id],
        [target.id, 'viewer', users.owner.id],
      ]);
    });

    it('checks a level for the caller or another user', async () => {
      const own = await as(users.editor)
        .get(`/v1/casefiles/${casefileId}/permissions/check?permission=editor`)
        .expect(200);
      expect(own.body.data).toEqual({
        user_id: users.editor.id,
        permission: 'editor',
        allowed: true,
        actual: 'editor',
      });
      const other = await as(users.editor)
        .get(
          `/v1/casefiles/${casefileId}/permissions/check?permission=manager&user_id=${users.viewer.id}`,
        )
        .expect(200);
      expect(other.body.data).toEqual({
        user_id: users.viewer.id,
        permission: 'manager',
        allowed: false,
        actual: 'viewer',
      });
      const stranger = await as(users.editor)
        .get(
          `/v1/casefiles/${casefileId}/permissions/check?permission=viewer&user_id=${users.stranger.id}`,
        )
        .expect(200);
      expect(stranger.body.data).toMatchObject({ allowed: false, actual: null });
      const owner = await as(users.viewer)
        .get(
          `/v1/casefiles/${casefileId}/permissions/check?permission=manager&user_id=${users.owner.id}`,
        )
        .expect(200);
      expect(owner.body.data).toMatchObject({ allowed: true, actual: 'owner' });
      const bad = await as(users.viewer)
        .get(`/v1/casefiles/${casefileId}/permissions/check?permission=god`)
        .expect(400);
      expect(bad.body.errors[0].code).toBe('VAL_FAILED');
    });

    it('ends access on the very next request after a revocation, and lowers it at once after a downgrade', async () => {
      await as(target).get(`/v1/casefiles/${casefileId}`).expect(200);
      await as(users.manager)
        .delete(`/v1/casefiles/${casefileId}/permissions/${target.id}`)
        .expect(204);
      const gone = await as(target).get(`/v1/casefiles/${casefileId}`).expect(404);
      expect(gone.body.errors[0].code).toBe('NF_CASEFILE');
      const list = await as(target).get('/v1/casefiles').expect(200);
      expect((list.body.data.items as { id: string }[]).map((c) => c.id)).not.toContain(casefileId);
      // revoking again is a no-op
      await as(users.manager)
        .delete(`/v1/casefiles/${casefileId}/permissions/${target.id}`)
        .expect(204);

      await as(users.editor)
        .patch(`/v1/casefiles/${casefileId}`)
        .send({ title: 'edit 1' })
        .expect(200);
      await grantPermission(app, users.owner, casefileId, users.editor.id, 'viewer');
      const denied = await as(users.editor)
        .patch(`/v1/casefiles/${casefileId}`)
        .send({ title: 'edit 2' })
        .expect(403);
      expect(denied.body.errors[0].details).toEqual({ required: 'editor', actual: 'viewer' });
    });

    it('refuses a malformed user id in the revoke path with 400 VAL_INVALID_ID', async () => {
      const res = await as(users.owner)
        .delete(`/v1/casefiles/${casefileId}/permissions/not-a-uuid`)
        .expect(400);
      expect(res.body.errors[0].code).toBe('VAL_INVALID_ID');
    });
  });
});
