import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCasefile } from '../factories/casefiles';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, newUserBody, type TokenPair } from '../factories/users';
import { gmailMessage } from '../fixtures/google';
import { createTestApp, type TestApp } from '../support/test-app';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NUL = '\\u0000';
const LONE = '\\ud800';

/**
 * Issue 21, the input edge: a NUL or a lone surrogate in any string, JSON nested too deep, MIME
 * and HTML nested too deep, dates PostgreSQL and JavaScript do not both hold, and a Last-Event-ID
 * past what a turn can have are `400 VAL_FAILED` naming the field — never a 500 — and store
 * nothing.
 */
describe('Hostile input at the edge (issue 21)', () => {
  let t: TestApp;
  let db: DataSource;
  let user: User;
  let casefileId: string;
  let sessionId: string;
  const api = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    t = await createTestApp();
    db = t.app.get(DataSource);
    user = await loggedInUser(t.app.getHttpServer());
    casefileId = (await createCasefile(t.app.getHttpServer(), user, { title: 'edge' })).id;
    sessionId = (await openSession(t.app.getHttpServer(), user, 'tool')).id as string;
  });
  afterAll(() => t.close());

  const send = (method: 'post' | 'patch', path: string, json: string, auth = true) => {
    const req = api()[method](path).set('Content-Type', 'application/json');
    if (auth) req.set('Authorization', bearer(user));
    return req.send(json);
  };

  const refused = (res: request.Response, field: string) => {
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe('VAL_FAILED');
    expect(res.body.errors[0].details.fields).toEqual([
      expect.objectContaining({ field: expect.stringMatching(new RegExp(`^${field}`)) }),
    ]);
  };

  const cases: [string, () => ['post' | 'patch', string, string, boolean?], string][] = [
    ['a NUL in a casefile title', () => ['post', '/v1/casefiles', `{"title":"a${NUL}b"}`], 'title'],
    [
      'a lone surrogate in a casefile title',
      () => ['post', '/v1/casefiles', `{"title":"a${LONE}b"}`],
      'title',
    ],
    [
      'a NUL in a tag',
      () => ['post', '/v1/casefiles', `{"title":"t","tags":["x${NUL}"]}`],
      'tags.0',
    ],
    [
      'a lone low surrogate in a description',
      () => ['post', '/v1/casefiles', `{"title":"t","description":"\\udc00"}`],
      'description',
    ],
    [
      'a NUL in display_name at register',
      () => {
        const body = newUserBody({ email: `edge-${Date.now()}@example.test` });
        return [
          'post',
          '/v1/auth/register',
          JSON.stringify(body).replace(/}$/, `,"display_name":"x${NUL}"}`),
          false,
        ];
      },
      'display_name',
    ],
    ['a NUL in an API key name', () => ['post', '/v1/auth/api-keys', `{"name":"k${NUL}"}`], 'name'],
    [
      'a NUL in a Gmail id',
      () => [
        'post',
        `/v1/casefiles/${casefileId}/gmail-messages`,
        `{"messages":[{"id":"a${NUL}","payload":{}}]}`,
      ],
      'messages.0.id',
    ],
    [
      'a NUL in a Gmail label',
      () => [
        'post',
        `/v1/casefiles/${casefileId}/gmail-messages`,
        `{"messages":[{"id":"l","labelIds":["x${NUL}"],"payload":{}}]}`,
      ],
      'messages.0.labelIds.0',
    ],
    [
      'a NUL in a thread id',
      () => [
        'post',
        `/v1/casefiles/${casefileId}/gmail-messages`,
        `{"messages":[{"id":"t","threadId":"x${NUL}","payload":{}}]}`,
      ],
      'messages.0.threadId',
    ],
    [
      'a NUL in a MIME type',
      () => [
        'post',
        `/v1/casefiles/${casefileId}/drive-files`,
        `{"files":[{"id":"f","name":"n","mimeType":"text/${NUL}"}]}`,
      ],
      'files.0.mimeType',
    ],
    [
      'a NUL in tool parameters',
      () => [
        'post',
        `/v1/tool-sessions/${sessionId}/requests`,
        `{"tool":"text.stats","parameters":{"text":"a${NUL}"}}`,
      ],
      'parameters.text',
    ],
    [
      'a NUL in a system prompt',
      () => ['post', '/v1/chat/sessions', `{"system_prompt":"x${NUL}"}`],
      'system_prompt',
    ],
    [
      'a NUL in a key of the body',
      () => ['post', '/v1/casefiles', `{"title":"t","x${NUL}":1}`],
      'x',
    ],
    [
      'a NUL in a sync query',
      () => [
        'post',
        `/v1/casefiles/${casefileId}/sync-jobs`,
        `{"source":"gmail","access_token":"t","query":"from:${NUL}"}`,
      ],
      'query',
    ],
    [
      'JSON nested 20 000 deep',
      () => [
        'post',
        '/v1/casefiles',
        `{"title":"t","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      ],
      'x',
    ],
    [
      'Gmail parts nested 5 000 deep',
      () => {
        const part = `${'{"mimeType":"multipart/mixed","parts":['.repeat(5000)}{"mimeType":"text/plain"}${']}'.repeat(5000)}`;
        return [
          'post',
          `/v1/casefiles/${casefileId}/gmail-messages`,
          `{"messages":[{"id":"deep","payload":${part}}]}`,
        ];
      },
      'messages.0.payload',
    ],
  ];

  it.each(cases)(
    'refuses %s with 400 naming the field, storing nothing',
    async (_name, build, field) => {
      const [method, path, json, auth] = build();
      const before = await counts();
      const res = await send(method, path, json, auth ?? true);
      refused(res, field);
      expect(await counts()).toEqual(before);
    },
  );

  it('refuses a NUL in a query string (a search, a list filter)', async () => {
    const search = await api()
      .get(`/v1/casefiles/${casefileId}/search`)
      .query({ q: 'a\u0000b' })
      .set('Authorization', bearer(user));
    refused(search, 'q');
    // (a lone surrogate cannot arrive in a URL: percent-decoding makes U+FFFD of it)
    const list = await api()
      .get('/v1/casefiles')
      .query({ tag: 'x\u0000' })
      .set('Authorization', bearer(user));
    refused(list, 'tag');
  });

  it('reads HTML nested 20 000 deep without a 500 (what is deeper is left out)', async () => {
    const html = `${'<div>'.repeat(20_000)}deep text${'</div>'.repeat(20_000)}<p>shallow text</p>`;
    const message = gmailMessage({ id: 'deep-html', subject: 'deep', html });
    const res = await api()
      .post(`/v1/casefiles/${casefileId}/gmail-messages`)
      .set('Authorization', bearer(user))
      .send({ messages: [message] });
    expect(res.status).toBe(200);
    expect(res.body.data.created).toBe(1);
  });

  it('refuses a raw message with multiparts nested past 32 levels, naming it', async () => {
    let body = 'Content-Type: text/plain\r\n\r\nhello\r\n';
    for (let i = 0; i < 40; i++) {
      body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
    }
    const rfc822 = `From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n${body}`;
    const message = { id: 'deep-raw', raw: Buffer.from(rfc822).toString('base64url') };
    const res = await api()
      .post(`/v1/casefiles/${casefileId}/gmail-messages`)
      .set('Authorization', bearer(user))
      .send({ messages: [message] });
    refused(res, 'messages.0.raw');
    expect(res.body.errors[0].details.fields[0].message).toMatch(/nesting depth of 32/);
  });

  it.each([
    [
      'an internalDate in the year 33658',
      { id: 'future', internalDate: '999999999999999', payload: {} },
      'gmail-messages',
      'messages',
      'messages.0.internalDate',
    ],
    [
      'a Drive modifiedTime in the year 20000',
      { id: 'f', name: 'n', modifiedTime: '+020000-01-01T00:00:00Z' },
      'drive-files',
      'files',
      'files.0.modifiedTime',
    ],
  ])('refuses %s', async (_name, item, path, key, field) => {
    const res = await api()
      .post(`/v1/casefiles/${casefileId}/${path}`)
      .set('Authorization', bearer(user))
      .send({ [key]: [item] });
    refused(res, field);
  });

  it.each([
    ['/v1/casefiles?created_after=0000-01-01T00:00:00Z', 'created_after'],
    [`/v1/casefiles/${'{id}'}/gmail-messages?after=0000-06-01T00:00:00Z`, 'after'],
  ])('refuses a date outside the years 0001–9999 in %s', async (path, field) => {
    const res = await api()
      .get(path.replace('{id}', casefileId))
      .set('Authorization', bearer(user));
    refused(res, field);
  });

  it('refuses a date filter of POST /casefiles/query in the year 0', async () => {
    const res = await api()
      .post('/v1/casefiles/query')
      .set('Authorization', bearer(user))
      .send({ filters: [{ field: 'created_at', operator: 'gt', value: '0000-01-01T00:00:00Z' }] });
    refused(res, 'filters.0.value');
  });

  it('answers a Last-Event-ID past any turn with 400, never an error event of SYS_INTERNAL', async () => {
    const chat = await openSession(t.app.getHttpServer(), user, 'chat');
    const turn = await api()
      .post(`/v1/chat/sessions/${chat.id}/messages`)
      .set('Authorization', bearer(user))
      .set('Accept', 'text/event-stream')
      .send({ content: 'hello' });
    const turnId = /"turn_id":"([^"]+)"/.exec(turn.text)?.[1];
    for (const lastEventId of ['99999999999', '2147483648', '-1', '1e3', '0x10']) {
      const res = await api()
        .get(`/v1/chat/sessions/${chat.id}/turns/${turnId}/events`)
        .set('Authorization', bearer(user))
        .set('Last-Event-ID', lastEventId);
      refused(res, 'Last-Event-ID');
    }
  });

  /** What this suite's user and casefile hold (other suites share the database). */
  async function counts(): Promise<Json> {
    const [row] = await db.query<Json[]>(
      `SELECT (SELECT count(*)::int FROM casefiles WHERE owner_id = $1) AS casefiles,
              (SELECT count(*)::int FROM users WHERE email LIKE 'edge-%') AS users,
              (SELECT count(*)::int FROM api_keys WHERE user_id = $1) AS api_keys,
              (SELECT count(*)::int FROM gmail_messages WHERE casefile_id = $2) AS gmail,
              (SELECT count(*)::int FROM drive_files WHERE casefile_id = $2) AS drive,
              (SELECT count(*)::int FROM tool_requests WHERE session_id = $3) AS tool_requests,
              (SELECT count(*)::int FROM sessions WHERE user_id = $1) AS sessions,
              (SELECT count(*)::int FROM sync_jobs WHERE casefile_id = $2) AS sync_jobs`,
      [user.id, casefileId, sessionId],
    );
    return row;
  }
});
