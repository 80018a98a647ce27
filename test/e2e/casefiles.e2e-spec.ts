import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { SessionsRepository } from '../../src/modules/sessions/sessions.repository';
import { createCasefile, grantPermission, insertToolSession } from '../factories/casefiles';
import { bearer, login, registerUser, type TokenPair } from '../factories/users';
import { createTestApp, type TestApp } from '../support/test-app';

type Casefile = Record<string, unknown> & { id: string; version: number; title: string };
type User = TokenPair & { id: string };

const fieldsOf = (res: request.Response) =>
  (res.body.errors[0].details.fields as { field: string }[]).map((f) => f.field);

describe('Casefiles (API.md §4)', () => {
  let t: TestApp;
  let app: App;
  let http: ReturnType<typeof request>;
  let db: DataSource;
  let alice: User;
  let bob: User;

  const newUser = async (): Promise<User> => {
    const user = await registerUser(app);
    return { ...(await login(app, user)), id: user.id };
  };
  const as = (user: TokenPair) => ({
    get: (path: string) => http.get(path).set('Authorization', bearer(user)),
    post: (path: string) => http.post(path).set('Authorization', bearer(user)),
    patch: (path: string) => http.patch(path).set('Authorization', bearer(user)),
    delete: (path: string) => http.delete(path).set('Authorization', bearer(user)),
  });
  const countRows = async (sql: string, params: unknown[]) =>
    Number((await db.query<{ n: string }[]>(sql, params))[0].n);

  beforeAll(async () => {
    t = await createTestApp();
    app = t.app.getHttpServer();
    http = request(app);
    db = t.app.get(DataSource);
    alice = await newUser();
    bob = await newUser();
  });
  afterAll(() => t.close());

  describe('metrics', () => {
    const countOf = async (operation: string, status: number) => {
      const text = (await http.get('/metrics').expect(200)).text;
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith(`casefile_operations_total{operation="${operation}",status="${status}"}`),
        );
      return line ? Number(line.split(' ').at(-1)) : 0;
    };

    it('counts casefile operations by name and answered status', async () => {
      const before = {
        created: await countOf('create_casefile', 201),
        read: await countOf('get_casefile', 200),
        hidden: await countOf('get_casefile', 404),
      };
      const { body } = await as(alice).post('/v1/casefiles').send({ title: 'Counted' }).expect(201);
      const id = (body.data as Casefile).id;
      await as(alice).get(`/v1/casefiles/${id}`).expect(200);
      await as(alice).get(`/v1/casefiles/${id}`).expect(200);
      await as(bob).get(`/v1/casefiles/${id}`).expect(404);
      expect(await countOf('create_casefile', 201)).toBe(before.created + 1);
      expect(await countOf('get_casefile', 200)).toBe(before.read + 2);
      expect(await countOf('get_casefile', 404)).toBe(before.hidden + 1);
      // only casefile operations: the user and auth routes are not counted here
      await as(alice).get('/v1/auth/me').expect(200);
      expect(await countOf('get_me', 200)).toBe(0);
    });
  });

  describe('create and read', () => {
    it('creates a casefile with counts, my_permission and version 1, and reads it back with an ETag', async () => {
      const res = await as(alice)
        .post('/v1/casefiles')
        .send({ title: '  Q3 audit  ', description: 'Numbers', tags: ['finance', 'q3', 'finance'] })
        .expect(201);
      const created = res.body.data as Casefile;
      expect(res.body.meta.operation).toBe('create_casefile');
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
        title: 'Q3 audit',
        description: 'Numbers',
        tags: ['finance', 'q3'],
        owner_id: alice.id,
        version: 1,
        created_at: expect.any(String) as string,
        updated_at: expect.any(String) as string,
        counts: {
          tool_sessions: 0,
          chat_sessions: 0,
          gmail_messages: 0,
          drive_files: 0,
          sheets: 0,
        },
        my_permission: 'owner',
      });
      const read = await as(alice).get(`/v1/casefiles/${created.id}`).expect(200);
      expect(read.headers.etag).toBe('"1"');
      expect(read.body.data).toEqual(created);
      expect(read.body.meta).toMatchObject({
        operation: 'get_casefile',
        hooks: ['metrics', 'audit'],
      });
    });

    it.each([
      [{}, 'title'],
      [{ title: '' }, 'title'],
      [{ title: '   ' }, 'title'],
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ title: 'ok', description: 'x'.repeat(10_001) }, 'description'],
      [{ title: 'ok', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags'],
      [{ title: 'ok', tags: [''] }, 'tags'],
      [{ title: 'ok', tags: ['x'.repeat(51)] }, 'tags'],
      [{ title: 'ok', tags: 'finance' }, 'tags'],
      [{ title: 'ok', owner_id: '0193aa00-0000-7000-8000-000000000000' }, 'owner_id'],
      [{ title: 'ok', version: 7 }, 'version'],
    ])('refuses %j with 400 VAL_FAILED naming %s', async (body, field) => {
      const res = await as(alice).post('/v1/casefiles').send(body).expect(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
      expect(fieldsOf(res)).toContain(field);
    });

    it('accepts the limits exactly', async () => {
      const body = {
        title: 'x'.repeat(200),
        description: 'd'.repeat(10_000),
        tags: Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(50, 'x')),
      };
      const res = await as(alice).post('/v1/casefiles').send(body).expect(201);
      expect((res.body.data as Casefile).tags).toHaveLength(20);
    });

    it('answers 404 NF_CASEFILE for an unknown id and 400 VAL_INVALID_ID for a malformed one', async () => {
      const unknown = await as(alice)
        .get('/v1/casefiles/0193aa00-0000-7000-8000-000000000000')
        .expect(404);
      expect(unknown.body.errors[0].code).toBe('NF_CASEFILE');
      const bad = await as(alice).get('/v1/casefiles/not-a-uuid').expect(400);
      expect(bad.body.errors[0].code).toBe('VAL_INVALID_ID');
    });

    it('writes one audit event for the creation, in the casefile timeline', async () => {
      const casefile = await createCasefile(app, alice, { title: 'Audited' });
      const events = await as(alice).get(`/v1/casefiles/${casefile.id}/events`).expect(200);
      expect(events.body.data.items).toEqual([
        expect.objectContaining({
          operation: 'create_casefile',
          user_id: alice.id,
          resource_type: 'casefile',
          resource_id: casefile.id,
          status: 'success',
          http_status: 201,
        }),
      ]);
      expect(events.body.data.items[0]).not.toHaveProperty('ip');
    });
  });

  describe('update with If-Match', () => {
    it('bumps the version on each change and answers the new ETag', async () => {
      const casefile = await createCasefile(app, alice, { title: 'Before', tags: ['a'] });
      const res = await as(alice)
        .patch(`/v1/casefiles/${casefile.id}`)
        .set('If-Match', '"1"')
        .send({ title: 'After' })
        .expect(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.body.data).toMatchObject({
        title: 'After',
        tags: ['a'],
        version: 2,
        my_permission: 'owner',
      });
      const cleared = await as(alice)
        .patch(`/v1/casefiles/${casefile.id}`)
        .send({ description: null, tags: [] })
        .expect(200);
      expect(cleared.body.data).toMatchObject({ description: null, tags: [], version: 3 });
      expect(Date.parse(cleared.body.data.updated_at)).toBeGreaterThanOrEqual(
        Date.parse(res.body.data.updated_at),
      );
    });

    it('refuses a stale If-Match with 412 CF_VERSION_MISMATCH and the current version, changing nothing', async () => {
      const casefile = await createCasefile(app, alice, { title: 'Stale' });
      await as(alice).patch(`/v1/casefiles/${casefile.id}`).send({ title: 'v2' }).expect(200);
      const res = await as(alice)
        .patch(`/v1/casefiles/${casefile.id}`)
        .set('If-Match', '"1"')
        .send({ title: 'lost update' })
        .expect(412);
      expect(res.body.errors[0]).toMatchObject({
        code: 'CF_VERSION_MISMATCH',
        details: { current_version: 2 },
      });
      const read = await as(alice).get(`/v1/casefiles/${casefile.id}`).expect(200);
      expect(read.body.data).toMatchObject({ title: 'v2', version: 2 });
    });

    it('accepts W/"n", a bare number and *, and refuses a malformed If-Match with 400', async () => {
      const casefile = await createCasefile(app, alice);
      await as(alice)
        .patch(`/v1/casefiles/${casefile.id}`)
        .set('If-Match', 'W/"1"')
        .send({ title: 'a' })
        .expect(200);
      await as(alice)
        .patch(`/v1/casefiles/${casefile.id}`)
        .set('If-Match', '2')
        .send({ title: 'b' })
        .expect(200);
      await as(alice)
        .patch(`/v1/casefiles/${casefile.id}`)
        .set('If-Match', '*')
        .send({ title: 'c' })
        .expect(200);
      const bad = await as(alice)
        .patch(`/v1/casefiles/${casefile.id}`)
        .set('If-Match', '"abc"')
        .send({ title: 'd' })
        .expect(400);
      expect(bad.body.errors[0].code).toBe('VAL_FAILED');
    });

    it('refuses an empty patch and unknown fields', async () => {
      const casefile = await createCasefile(app, alice);
      const empty = await as(alice).patch(`/v1/casefiles/${casefile.id}`).send({}).expect(400);
      expect(empty.body.errors[0].code).toBe('VAL_FAILED');
      const unknown = await as(alice)
        .patch(`/v1/casefiles/${casefile.id}`)
        .send({ owner_id: bob.id })
        .expect(400);
      expect(unknown.body.errors[0].code).toBe('VAL_FAILED');
    });

    it('lets exactly one of 10 concurrent PATCHes with the same If-Match win', async () => {
      const casefile = await createCasefile(app, alice, { title: 'Race' });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          as(alice)
            .patch(`/v1/casefiles/${casefile.id}`)
            .set('If-Match', '"1"')
            .send({ title: `writer ${i}` }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, ...Array(9).fill(412)]);
      const winner = results.find((r) => r.status === 200)!;
      const read = await as(alice).get(`/v1/casefiles/${casefile.id}`).expect(200);
      expect(read.body.data).toMatchObject({ title: winner.body.data.title, version: 2 });
      for (const loser of results.filter((r) => r.status === 412)) {
        expect(loser.body.errors[0].details).toEqual({ current_version: 2 });
      }
    });
  });

  describe('soft delete', () => {
    it('removes the casefile from every read but keeps the row and its audit trail', async () => {
      const casefile = await createCasefile(app, alice, { title: 'Doomed', tags: ['doomed-tag'] });
      await as(alice).delete(`/v1/casefiles/${casefile.id}`).expect(204);
      const get = await as(alice).get(`/v1/casefiles/${casefile.id}`).expect(404);
      expect(get.body.errors[0].code).toBe('NF_CASEFILE');
      await as(alice).patch(`/v1/casefiles/${casefile.id}`).send({ title: 'x' }).expect(404);
      await as(alice).delete(`/v1/casefiles/${casefile.id}`).expect(404);
      await as(alice).get(`/v1/casefiles/${casefile.id}/events`).expect(404);
      await as(alice).get(`/v1/casefiles/${casefile.id}/permissions`).expect(404);
      const list = await as(alice).get('/v1/casefiles?tag=doomed-tag').expect(200);
      expect(list.body.data.items).toEqual([]);
      const query = await as(alice)
        .post('/v1/casefiles/query')
        .send({ filters: [{ field: 'tags', operator: 'eq', value: 'doomed-tag' }] })
        .expect(200);
      expect(query.body.data.items).toEqual([]);
      expect(
        await countRows(
          'SELECT count(*) AS n FROM casefiles WHERE id = $1 AND deleted_at IS NOT NULL',
          [casefile.id],
        ),
      ).toBe(1);
      expect(
        await countRows(
          "SELECT count(*) AS n FROM audit_events WHERE casefile_id = $1 AND operation = 'delete_casefile' AND status = 'success'",
          [casefile.id],
        ),
      ).toBe(1);
    });
  });

  describe('lists', () => {
    let carol: User;
    /** Everything carol can see, newest first: two shared with her by bob, then her own five. */
    const CAROL_SEES = [
      'Bob shared 2',
      'Bob shared 1',
      'Carol 4',
      'Carol 3',
      'Carol 2',
      'Carol 1',
      'Carol 0',
    ];
    const titles = (res: request.Response) =>
      (res.body.data.items as Casefile[]).map((c) => c.title);

    beforeAll(async () => {
      carol = await newUser();
      // five owned by carol, two shared with her by bob (one as editor, one as viewer)
      for (const [i, tags] of [['red'], ['red', 'blue'], ['blue'], [], ['red']].entries()) {
        await createCasefile(app, carol, {
          title: `Carol ${i}`,
          description: i === 3 ? 'Contains the Needle_word' : undefined,
          tags,
        });
      }
      const shared1 = await createCasefile(app, bob, { title: 'Bob shared 1', tags: ['red'] });
      const shared2 = await createCasefile(app, bob, { title: 'Bob shared 2' });
      await createCasefile(app, bob, { title: 'Bob private', tags: ['red'] });
      await grantPermission(app, bob, shared1.id, carol.id, 'editor');
      await grantPermission(app, bob, shared2.id, carol.id, 'viewer');
    });

    it('lists owned and shared casefiles, newest first, with my_permission', async () => {
      const res = await as(carol).get('/v1/casefiles').expect(200);
      expect(titles(res)).toEqual(CAROL_SEES);
      const items = res.body.data.items as Casefile[];
      expect(items.map((c) => c.my_permission)).toEqual([
        'viewer',
        'editor',
        'owner',
        'owner',
        'owner',
        'owner',
        'owner',
      ]);
      expect(res.body.data).toMatchObject({ has_more: false, next_cursor: null });
      expect(res.body.data).not.toHaveProperty('total');
    });

    it('pages with opaque cursors: every row once, in order, with include_total', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/v1/casefiles?limit=3&include_total=true${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await as(carol).get(url).expect(200);
        expect(res.body.data.total).toBe(7);
        seen.push(...titles(res));
        cursor = res.body.data.next_cursor as string | null;
        expect(res.body.data.has_more).toBe(cursor !== null);
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(CAROL_SEES);
    });

    it('stays stable when rows are inserted between pages', async () => {
      const dave = await newUser();
      for (const i of [1, 2, 3]) await createCasefile(app, dave, { title: `Dave ${i}` });
      const first = await as(dave).get('/v1/casefiles?limit=2').expect(200);
      await createCasefile(app, dave, { title: 'Dave 4 (new)' });
      const second = await as(dave)
        .get(`/v1/casefiles?limit=2&cursor=${first.body.data.next_cursor}`)
        .expect(200);
      expect([...titles(first), ...titles(second)]).toEqual(['Dave 3', 'Dave 2', 'Dave 1']);
    });

    it('sorts by created_at and updated_at both ways', async () => {
      const asc = await as(carol).get('/v1/casefiles?sort=created_at&relation=owned').expect(200);
      expect(titles(asc)).toEqual(['Carol 0', 'Carol 1', 'Carol 2', 'Carol 3', 'Carol 4']);
      const owned = asc.body.data.items as Casefile[];
      await as(carol).patch(`/v1/casefiles/${owned[1].id}`).send({ title: 'Carol 1' }).expect(200);
      const byUpdate = await as(carol)
        .get('/v1/casefiles?sort=-updated_at&relation=owned&limit=2')
        .expect(200);
      expect(titles(byUpdate)[0]).toBe('Carol 1');
      const byUpdateAsc = await as(carol)
        .get('/v1/casefiles?sort=updated_at&relation=owned')
        .expect(200);
      expect(titles(byUpdateAsc).at(-1)).toBe('Carol 1');
    });

    it('filters by relation, tag, q and creation time', async () => {
      expect(titles(await as(carol).get('/v1/casefiles?relation=shared').expect(200))).toEqual([
        'Bob shared 2',
        'Bob shared 1',
      ]);
      expect(
        titles(await as(carol).get('/v1/casefiles?relation=owned&limit=100').expect(200)),
      ).toHaveLength(5);
      expect(titles(await as(carol).get('/v1/casefiles?tag=red').expect(200))).toEqual([
        'Bob shared 1',
        'Carol 4',
        'Carol 1',
        'Carol 0',
      ]);
      // q matches title or description, case-insensitively; LIKE wildcards are literal
      expect(titles(await as(carol).get('/v1/casefiles?q=needle_WORD').expect(200))).toEqual([
        'Carol 3',
      ]);
      expect(titles(await as(carol).get('/v1/casefiles?q=%25').expect(200))).toEqual([]);
      expect(titles(await as(carol).get('/v1/casefiles?q=shared 1').expect(200))).toEqual([
        'Bob shared 1',
      ]);
      const all = (await as(carol).get('/v1/casefiles?sort=created_at').expect(200)).body.data
        .items as Casefile[];
      const pivot = all[2].created_at as string;
      const after = await as(carol)
        .get(`/v1/casefiles?sort=created_at&created_after=${pivot}`)
        .expect(200);
      expect(titles(after)).toEqual(all.slice(3).map((c) => c.title));
      const before = await as(carol)
        .get(`/v1/casefiles?sort=created_at&created_before=${pivot}`)
        .expect(200);
      expect(titles(before)).toEqual(all.slice(0, 2).map((c) => c.title));
      // strangers' casefiles never appear
      expect(titles(await as(carol).get('/v1/casefiles?q=private').expect(200))).toEqual([]);
    });

    it.each([
      ['limit=0'],
      ['limit=101'],
      ['limit=abc'],
      ['sort=title'],
      ['relation=mine'],
      ['created_after=yesterday'],
      ['include_total=maybe'],
      ['unknown=1'],
    ])('refuses ?%s with 400 VAL_FAILED', async (qs) => {
      const res = await as(carol).get(`/v1/casefiles?${qs}`).expect(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
    });

    it('refuses a forged cursor and a cursor made for another sort with 400 VAL_INVALID_CURSOR', async () => {
      const page = await as(carol).get('/v1/casefiles?limit=2').expect(200);
      const foreign = await as(carol)
        .get(`/v1/casefiles?limit=2&sort=created_at&cursor=${page.body.data.next_cursor}`)
        .expect(400);
      expect(foreign.body.errors[0].code).toBe('VAL_INVALID_CURSOR');
      const forged = Buffer.from(
        JSON.stringify({ s: '-created_at', k: "x'; DROP TABLE casefiles; --", i: 'nope' }),
      ).toString('base64url');
      const res = await as(carol).get(`/v1/casefiles?cursor=${forged}`).expect(400);
      expect(res.body.errors[0].code).toBe('VAL_INVALID_CURSOR');
      const garbage = await as(carol).get('/v1/casefiles?cursor=%%%').expect(400);
      expect(garbage.body.errors[0].code).toBe('VAL_INVALID_CURSOR');
    });

    it('answers a malformed timestamp inside a well-formed cursor with 400, not 500', async () => {
      const forged = Buffer.from(
        JSON.stringify({
          s: '-created_at',
          k: 'not a time',
          i: '0193aa00-0000-7000-8000-000000000000',
        }),
      ).toString('base64url');
      const res = await as(carol).get(`/v1/casefiles?cursor=${forged}`).expect(400);
      expect(res.body.errors[0].code).toBe('VAL_INVALID_CURSOR');
    });

    describe('POST /casefiles/query', () => {
      const query = (user: User, body: object) => as(user).post('/v1/casefiles/query').send(body);

      it('filters with the whitelisted fields and operators (AND), answering 200', async () => {
        const res = await query(carol, {
          filters: [
            { field: 'tags', operator: 'in', value: ['red', 'green'] },
            { field: 'title', operator: 'like', value: 'carol%' },
          ],
          sort_by: 'title',
          sort_order: 'asc',
        }).expect(200);
        expect(res.body.meta.operation).toBe('query_casefiles');
        expect(titles(res)).toEqual(['Carol 0', 'Carol 1', 'Carol 4']);
        expect(
          titles(
            await query(carol, {
              filters: [{ field: 'tags', operator: 'nin', value: ['red'] }],
            }).expect(200),
          ),
        ).toEqual(['Bob shared 2', 'Carol 3', 'Carol 2']);
        expect(
          titles(
            await query(carol, {
              filters: [{ field: 'owner_id', operator: 'eq', value: bob.id }],
            }).expect(200),
          ),
        ).toEqual(['Bob shared 2', 'Bob shared 1']);
        expect(
          titles(
            await query(carol, {
              filters: [
                { field: 'owner_id', operator: 'ne', value: bob.id },
                { field: 'tags', operator: 'eq', value: 'blue' },
              ],
            }).expect(200),
          ),
        ).toEqual(['Carol 2', 'Carol 1']);
        expect(
          titles(
            await query(carol, {
              filters: [{ field: 'title', operator: 'in', value: ['Carol 0', 'Carol 9'] }],
            }).expect(200),
          ),
        ).toEqual(['Carol 0']);
        expect(
          titles(
            await query(carol, {
              filters: [{ field: 'tags', operator: 'like', value: 'bl%' }],
            }).expect(200),
          ),
        ).toEqual(['Carol 2', 'Carol 1']);
        expect(
          titles(
            await query(carol, {
              filters: [{ field: 'title', operator: 'gte', value: 'Carol 3' }],
              sort_by: 'title',
              sort_order: 'asc',
            }).expect(200),
          ),
        ).toEqual(['Carol 3', 'Carol 4']);
      });

      it('compares times and pages with cursors bound to the sort', async () => {
        const all = (await query(carol, { sort_by: 'created_at', sort_order: 'asc' }).expect(200))
          .body.data.items as Casefile[];
        expect(all).toHaveLength(7);
        const pivot = all[3].created_at;
        expect(
          titles(
            await query(carol, {
              filters: [{ field: 'created_at', operator: 'gt', value: pivot }],
              sort_order: 'asc',
            }).expect(200),
          ),
        ).toEqual(all.slice(4).map((c) => c.title));
        expect(
          titles(
            await query(carol, {
              filters: [{ field: 'created_at', operator: 'lte', value: pivot }],
              sort_order: 'asc',
            }).expect(200),
          ),
        ).toEqual(all.slice(0, 4).map((c) => c.title));
        const first = await query(carol, {
          limit: 4,
          sort_by: 'title',
          include_total: true,
        }).expect(200);
        expect(first.body.data).toMatchObject({ has_more: true, total: 7 });
        const second = await query(carol, {
          limit: 4,
          sort_by: 'title',
          cursor: first.body.data.next_cursor,
        }).expect(200);
        expect([...titles(first), ...titles(second)]).toEqual([
          'Carol 4',
          'Carol 3',
          'Carol 2',
          'Carol 1',
          'Carol 0',
          'Bob shared 2',
          'Bob shared 1',
        ]);
        const foreign = await query(carol, {
          limit: 4,
          sort_by: 'created_at',
          cursor: first.body.data.next_cursor,
        }).expect(400);
        expect(foreign.body.errors[0].code).toBe('VAL_INVALID_CURSOR');
      });

      it.each([
        [{ field: 'description', operator: 'eq', value: 'x' }, 'filters.0.field'],
        [{ field: 'deleted_at', operator: 'eq', value: '2026-01-01' }, 'filters.0.field'],
        [{ field: 'title', operator: 'regex', value: '.*' }, 'filters.0.operator'],
        [{ field: 'tags', operator: 'gt', value: 'a' }, 'filters.0.operator'],
        [{ field: 'owner_id', operator: 'like', value: '%' }, 'filters.0.operator'],
        [{ field: 'owner_id', operator: 'eq', value: 'not-a-uuid' }, 'filters.0.value'],
        [{ field: 'created_at', operator: 'gt', value: 'yesterday' }, 'filters.0.value'],
        [{ field: 'created_at', operator: 'gt', value: 12 }, 'filters.0.value'],
        [{ field: 'title', operator: 'in', value: 'Carol 1' }, 'filters.0.value'],
        [{ field: 'title', operator: 'in', value: [] }, 'filters.0.value'],
        [{ field: 'title', operator: 'eq', value: ['a'] }, 'filters.0.value'],
        [{ field: 'title', operator: 'eq', value: { $ne: 1 } }, 'filters.0.value'],
        [{ field: 'title', operator: 'eq' }, 'filters.0.value'],
        [{ field: 'title', operator: 'eq', value: 'x', extra: 1 }, 'filters.0.extra'],
      ])('refuses filter %j with 400 VAL_FAILED at %s', async (filter, field) => {
        const res = await query(carol, { filters: [filter] }).expect(400);
        expect(res.body.errors[0].code).toBe('VAL_FAILED');
        expect(fieldsOf(res)).toContain(field);
      });

      it('refuses unknown sorts and a SQL-looking field name without reaching the database', async () => {
        const res = await query(carol, { sort_by: 'title; DROP TABLE casefiles' }).expect(400);
        expect(res.body.errors[0].code).toBe('VAL_FAILED');
        const injected = await query(carol, {
          filters: [{ field: "title = '' OR 1=1 --", operator: 'eq', value: 'x' }],
        }).expect(400);
        expect(injected.body.errors[0].code).toBe('VAL_FAILED');
        // a value is only ever a bind parameter
        const literal = await query(carol, {
          filters: [{ field: 'title', operator: 'eq', value: "x' OR '1'='1" }],
        }).expect(200);
        expect(literal.body.data.items).toEqual([]);
      });
    });
  });

  describe('with-session and sessions', () => {
    it('creates a casefile and a tool session in it', async () => {
      const res = await as(alice)
        .post('/v1/casefiles/with-session')
        .send({ title: 'With session', session_ttl_seconds: 600 })
        .expect(201);
      const { casefile, tool_session: session } = res.body.data as {
        casefile: Casefile;
        tool_session: Record<string, unknown>;
      };
      expect(casefile).toMatchObject({
        title: 'With session',
        my_permission: 'owner',
        counts: { tool_sessions: 1 },
      });
      expect(session).toMatchObject({
        user_id: alice.id,
        casefile_id: casefile.id,
        status: 'active',
        closed_at: null,
        request_count: 0,
      });
      const ttl =
        Date.parse(session.expires_at as string) - Date.parse(session.created_at as string);
      expect(ttl).toBeGreaterThanOrEqual(599_000);
      expect(ttl).toBeLessThanOrEqual(601_000);
      const read = await as(alice).get(`/v1/casefiles/${casefile.id}`).expect(200);
      expect(read.body.data.counts.tool_sessions).toBe(1);
    });

    it('refuses a bad session_ttl_seconds before creating anything', async () => {
      const before = await countRows('SELECT count(*) AS n FROM casefiles WHERE owner_id = $1', [
        alice.id,
      ]);
      const res = await as(alice)
        .post('/v1/casefiles/with-session')
        .send({ title: 'x', session_ttl_seconds: 5 })
        .expect(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
      expect(
        await countRows('SELECT count(*) AS n FROM casefiles WHERE owner_id = $1', [alice.id]),
      ).toBe(before);
    });

    it('attaches the caller own unattached session (POST /casefiles/{id}/sessions → 200), once', async () => {
      const casefile = await createCasefile(app, alice);
      const sessionId = await insertToolSession(db, alice.id);
      const res = await as(alice)
        .post(`/v1/casefiles/${casefile.id}/sessions`)
        .send({ session_id: sessionId })
        .expect(200);
      expect(res.body.data).toMatchObject({ id: sessionId, casefile_id: casefile.id });
      // again: same answer
      await as(alice)
        .post(`/v1/casefiles/${casefile.id}/sessions`)
        .send({ session_id: sessionId })
        .expect(200);
      const read = await as(alice).get(`/v1/casefiles/${casefile.id}`).expect(200);
      expect(read.body.data.counts.tool_sessions).toBe(1);
      // another casefile cannot take it
      const other = await createCasefile(app, alice);
      const taken = await as(alice)
        .post(`/v1/casefiles/${other.id}/sessions`)
        .send({ session_id: sessionId })
        .expect(404);
      expect(taken.body.errors[0]).toMatchObject({
        code: 'NF_TOOL_SESSION',
        details: { reason: 'attached_to_another_casefile' },
      });
    });

    it('refuses someone else session, unknown, closed and expired sessions', async () => {
      const casefile = await createCasefile(app, alice);
      const post = (sessionId: string) =>
        as(alice).post(`/v1/casefiles/${casefile.id}/sessions`).send({ session_id: sessionId });
      const bobs = await insertToolSession(db, bob.id);
      expect((await post(bobs).expect(404)).body.errors[0].code).toBe('NF_TOOL_SESSION');
      expect(
        (await post('0193aa00-0000-7000-8000-000000000000').expect(404)).body.errors[0].code,
      ).toBe('NF_TOOL_SESSION');
      const closed = await insertToolSession(db, alice.id, { status: 'closed' });
      expect((await post(closed).expect(422)).body.errors[0].code).toBe('BR_SESSION_CLOSED');
      const expired = await insertToolSession(db, alice.id, { expired: true });
      expect((await post(expired).expect(422)).body.errors[0].code).toBe('BR_SESSION_EXPIRED');
      expect((await post('nope').expect(400)).body.errors[0].code).toBe('VAL_FAILED');
      expect(
        await countRows('SELECT count(*) AS n FROM sessions WHERE casefile_id = $1', [casefile.id]),
      ).toBe(0);
    });
  });

  describe('events timeline', () => {
    it('lists what happened to the casefile, newest first, with cursors', async () => {
      const casefile = await createCasefile(app, alice, { title: 'Timeline' });
      await as(alice).patch(`/v1/casefiles/${casefile.id}`).send({ title: 'T2' }).expect(200);
      await grantPermission(app, alice, casefile.id, bob.id, 'viewer');
      await as(alice)
        .patch(`/v1/casefiles/${casefile.id}`)
        .set('If-Match', '"1"')
        .send({ title: 'lost' })
        .expect(412);
      const first = await as(bob)
        .get(`/v1/casefiles/${casefile.id}/events?limit=2&include_total=true`)
        .expect(200);
      expect(first.body.data.total).toBe(3);
      const second = await as(bob)
        .get(`/v1/casefiles/${casefile.id}/events?limit=2&cursor=${first.body.data.next_cursor}`)
        .expect(200);
      const operations = [...first.body.data.items, ...second.body.data.items].map(
        (e: { operation: string }) => e.operation,
      );
      expect(operations).toEqual(['grant_permission', 'update_casefile', 'create_casefile']);
      expect(second.body.data.has_more).toBe(false);
    });
  });

  describe('Idempotency-Key on creation', () => {
    it('creates exactly one casefile for 20 concurrent identical requests with one key', async () => {
      const owner = await newUser();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          as(owner)
            .post('/v1/casefiles')
            .set('Idempotency-Key', 'one-casefile')
            .send({ title: 'Once' }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
      for (const conflict of results.filter((r) => r.status === 409)) {
        expect(conflict.body.errors[0].code).toBe('CF_IDEMPOTENCY_IN_PROGRESS');
      }
      const ids = new Set(
        results.filter((r) => r.status === 201).map((r) => r.body.data.id as string),
      );
      expect(ids.size).toBe(1);
      expect(
        await countRows('SELECT count(*) AS n FROM casefiles WHERE owner_id = $1', [owner.id]),
      ).toBe(1);
      const replay = await as(owner)
        .post('/v1/casefiles')
        .set('Idempotency-Key', 'one-casefile')
        .send({ title: 'Once' })
        .expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.data.id).toBe([...ids][0]);
      const reused = await as(owner)
        .post('/v1/casefiles')
        .set('Idempotency-Key', 'one-casefile')
        .send({ title: 'Twice' })
        .expect(422);
      expect(reused.body.errors[0].code).toBe('CF_IDEMPOTENCY_KEY_REUSED');
    });

    it('makes with-session idempotent too: the replay creates no second casefile or session', async () => {
      const owner = await newUser();
      const a = await as(owner)
        .post('/v1/casefiles/with-session')
        .set('Idempotency-Key', 'ws')
        .send({ title: 'WS' })
        .expect(201);
      const b = await as(owner)
        .post('/v1/casefiles/with-session')
        .set('Idempotency-Key', 'ws')
        .send({ title: 'WS' })
        .expect(201);
      expect(b.headers['idempotent-replayed']).toBe('true');
      expect(b.body.data).toEqual(a.body.data);
      expect(
        await countRows('SELECT count(*) AS n FROM sessions WHERE user_id = $1', [owner.id]),
      ).toBe(1);
      expect(
        await countRows('SELECT count(*) AS n FROM casefiles WHERE owner_id = $1', [owner.id]),
      ).toBe(1);
    });
  });

  describe('both or neither', () => {
    let broken: TestApp;
    /** The casefiles the failing session insert was asked to join: each had been inserted. */
    const attemptedFor: (string | null)[] = [];
    beforeAll(async () => {
      broken = await createTestApp({
        overrides: [
          {
            token: SessionsRepository,
            factory: () => ({
              insert: (session: { casefileId: string | null }) => {
                attemptedFor.push(session.casefileId);
                return Promise.reject(new Error('tool_sessions is unavailable'));
              },
            }),
          },
        ],
      });
    });
    afterAll(() => broken.close());

    it('leaves no casefile behind when the tool session fails', async () => {
      const brokenApp = broken.app.getHttpServer();
      const owner = await registerUser(brokenApp);
      const tokens = await login(brokenApp, owner);
      const res = await request(brokenApp)
        .post('/v1/casefiles/with-session')
        .set('Authorization', bearer(tokens))
        .send({ title: 'Half-made' })
        .expect(500);
      expect(res.body.errors[0].code).toBe('SYS_INTERNAL');
      expect(JSON.stringify(res.body)).not.toContain('tool_sessions is unavailable');
      // the casefile was written before the session failed, and the rollback took it away
      expect(attemptedFor).toHaveLength(1);
      expect(attemptedFor[0]).toEqual(expect.any(String));
      expect(
        await countRows('SELECT count(*) AS n FROM casefiles WHERE id = $1', [attemptedFor[0]]),
      ).toBe(0);
      expect(
        await countRows('SELECT count(*) AS n FROM casefiles WHERE owner_id = $1', [owner.id]),
      ).toBe(0);
      // the failure itself is audited
      expect(
        await countRows(
          "SELECT count(*) AS n FROM audit_events WHERE user_id = $1 AND operation = 'create_casefile_with_session' AND status = 'failure'",
          [owner.id],
        ),
      ).toBe(1);
    });
  });
});
