import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { createCasefile, grantPermission } from '../factories/casefiles';
import { bearer, grantRole, login, registerUser, type TokenPair } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

type User = TokenPair & { id: string };
type AdminCasefile = {
  id: string;
  title: string;
  owner_id: string;
  deleted_at: string | null;
  my_permission: string | null;
  version: number;
};

describe('Admin casefile routes (API.md §8)', () => {
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;
  let db: DataSource;
  let admin: User;
  let alice: User;
  let bob: User;

  const newUser = async (): Promise<User> => {
    const user = await registerUser(app);
    return { ...(await login(app, user)), id: user.id };
  };
  const adminGet = (path: string) => http.get(path).set('Authorization', bearer(admin));
  const transfer = (id: string, newOwnerId: string, as: TokenPair = admin) =>
    http
      .post(`/v1/admin/casefiles/${id}/transfer`)
      .set('Authorization', bearer(as))
      .send({ new_owner_id: newOwnerId });

  beforeAll(async () => {
    t = await createTestApp();
    app = t.app.getHttpServer();
    http = request(app);
    db = t.app.get(DataSource);
    const a = await registerUser(app);
    await grantRole(db, a.id, 'admin');
    admin = { ...(await login(app, a)), id: a.id };
    alice = await newUser();
    bob = await newUser();
  });
  afterAll(() => t.close());

  it('lists every casefile, deleted ones only on request, filtered by owner', async () => {
    // owners and a tag of this test's own: the other tests' casefiles are not in its lists
    const alice = await newUser();
    const bob = await newUser();
    const tag = `adm-${randomUUID().slice(0, 8)}`;
    const kept = await createCasefile(app, alice, { title: 'Kept', tags: [tag] });
    const deleted = await createCasefile(app, alice, { title: 'Deleted', tags: [tag] });
    await createCasefile(app, bob, { title: 'Bobs', tags: [tag] });
    await http
      .delete(`/v1/casefiles/${deleted.id}`)
      .set('Authorization', bearer(alice))
      .expect(204);

    const live = await adminGet(`/v1/admin/casefiles?tag=${tag}`).expect(200);
    expect(live.body.meta.operation).toBe('admin_list_casefiles');
    const liveItems = live.body.data.items as AdminCasefile[];
    expect(liveItems.map((c) => c.title)).toEqual(['Bobs', 'Kept']);
    expect(liveItems.every((c) => c.deleted_at === null && c.my_permission === null)).toBe(true);

    const all = await adminGet(
      `/v1/admin/casefiles?tag=${tag}&include_deleted=true&include_total=true`,
    ).expect(200);
    expect(
      (all.body.data.items as AdminCasefile[]).map((c) => [c.title, c.deleted_at !== null]),
    ).toEqual([
      ['Bobs', false],
      ['Deleted', true],
      ['Kept', false],
    ]);
    expect(all.body.data.total).toBe(3);

    const alices = await adminGet(
      `/v1/admin/casefiles?owner_id=${alice.id}&include_deleted=true&sort=created_at`,
    ).expect(200);
    expect((alices.body.data.items as AdminCasefile[]).map((c) => c.id)).toEqual([
      kept.id,
      deleted.id,
    ]);

    const paged = await adminGet(
      `/v1/admin/casefiles?tag=${tag}&include_deleted=true&limit=2`,
    ).expect(200);
    const rest = await adminGet(
      `/v1/admin/casefiles?tag=${tag}&include_deleted=true&limit=2&cursor=${paged.body.data.next_cursor}`,
    ).expect(200);
    expect(
      [...paged.body.data.items, ...rest.body.data.items].map((c: AdminCasefile) => c.title),
    ).toEqual(['Bobs', 'Deleted', 'Kept']);
  });

  it('is refused to users (403) and to anonymous callers (401)', async () => {
    const res = await http
      .get('/v1/admin/casefiles')
      .set('Authorization', bearer(alice))
      .expect(403);
    expect(res.body.errors[0].code).toBe('AUTH_FORBIDDEN');
    await http.get('/v1/admin/casefiles').expect(401);
    const someId = (await createCasefile(app, alice)).id;
    const denied = await transfer(someId, bob.id, alice).expect(403);
    expect(denied.body.errors[0].code).toBe('AUTH_FORBIDDEN');
  });

  it('transfers ownership: the new owner owns it, the old owner becomes manager', async () => {
    const casefile = await createCasefile(app, alice, { title: 'Moving' });
    await grantPermission(app, alice, casefile.id, bob.id, 'viewer');
    const res = await transfer(casefile.id, bob.id).expect(200);
    expect(res.body.meta.operation).toBe('admin_transfer_casefile');
    expect(res.body.data).toMatchObject({
      id: casefile.id,
      owner_id: bob.id,
      version: 2,
      deleted_at: null,
    });

    const asBob = await http
      .get(`/v1/casefiles/${casefile.id}`)
      .set('Authorization', bearer(bob))
      .expect(200);
    expect(asBob.body.data).toMatchObject({ owner_id: bob.id, my_permission: 'owner' });
    const asAlice = await http
      .get(`/v1/casefiles/${casefile.id}`)
      .set('Authorization', bearer(alice))
      .expect(200);
    expect(asAlice.body.data.my_permission).toBe('manager');
    const perms = await http
      .get(`/v1/casefiles/${casefile.id}/permissions`)
      .set('Authorization', bearer(bob))
      .expect(200);
    expect(
      (perms.body.data.items as { user_id: string; permission: string }[]).map((p) => [
        p.user_id,
        p.permission,
      ]),
    ).toEqual([
      [bob.id, 'owner'],
      [alice.id, 'manager'],
    ]);
    // only the owner deletes now
    await http
      .delete(`/v1/casefiles/${casefile.id}`)
      .set('Authorization', bearer(alice))
      .expect(403);
    const audit = await db.query<{ user_id: string; details: Record<string, unknown> }[]>(
      "SELECT user_id, details FROM audit_events WHERE casefile_id = $1 AND operation = 'admin_transfer_casefile'",
      [casefile.id],
    );
    expect(audit).toEqual([
      {
        user_id: admin.id,
        details: expect.objectContaining({
          new_owner_id: bob.id,
          previous_owner_id: alice.id,
        }) as object,
      },
    ]);
  });

  it('answers transfers to the current owner unchanged, and refuses unknown users and casefiles', async () => {
    const casefile = await createCasefile(app, alice);
    const same = await transfer(casefile.id, alice.id).expect(200);
    expect(same.body.data).toMatchObject({ owner_id: alice.id, version: 1 });
    const unknownUser = await transfer(casefile.id, '0193aa00-0000-7000-8000-000000000000').expect(
      404,
    );
    expect(unknownUser.body.errors[0].code).toBe('NF_USER');
    const unknownCasefile = await transfer('0193aa00-0000-7000-8000-000000000000', bob.id).expect(
      404,
    );
    expect(unknownCasefile.body.errors[0].code).toBe('NF_CASEFILE');
    await http
      .delete(`/v1/casefiles/${casefile.id}`)
      .set('Authorization', bearer(alice))
      .expect(204);
    const deleted = await transfer(casefile.id, bob.id).expect(404);
    expect(deleted.body.errors[0].code).toBe('NF_CASEFILE');
    const bad = await transfer(casefile.id, 'nope').expect(400);
    expect(bad.body.errors[0].code).toBe('VAL_FAILED');
    const row = await db.query('SELECT owner_id FROM casefiles WHERE id = $1', [casefile.id]);
    expect(row).toEqual([{ owner_id: alice.id }]);
  });
});
