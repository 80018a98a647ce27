import request from 'supertest';
import { DataSource } from 'typeorm';
import { createCasefile, grantPermission } from '../factories/casefiles';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import {
  driveFile,
  encodedWord,
  gmailMessage,
  gmailRawMessage,
  valueRange,
} from '../fixtures/google';
import { createTestApp, type TestApp } from '../support/test-app';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Workspace data (API.md §7)', () => {
  let t: TestApp;
  let db: DataSource;
  let owner: User;
  let editor: User;
  let viewer: User;
  let stranger: User;
  let casefileId: string;
  const api = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    t = await createTestApp();
    db = t.app.get(DataSource);
    const server = t.app.getHttpServer();
    [owner, editor, viewer, stranger] = await Promise.all(
      Array.from({ length: 4 }, () => loggedInUser(server)),
    );
  });
  afterAll(() => t.close());
  // every test starts from an empty casefile of its own (they run in any order: --randomize)
  beforeEach(async () => {
    const server = t.app.getHttpServer();
    casefileId = (await createCasefile(server, owner, { title: 'Vendor dispute' })).id;
    await grantPermission(server, owner, casefileId, editor.id, 'editor');
    await grantPermission(server, owner, casefileId, viewer.id, 'viewer');
  });

  const post = (user: User, path: string, body: unknown, casefile = casefileId) =>
    api()
      .post(`/v1/casefiles/${casefile}/${path}`)
      .set('Authorization', bearer(user))
      .send(body as object);
  const get = (user: User, path: string, casefile = casefileId) =>
    api().get(`/v1/casefiles/${casefile}/${path}`).set('Authorization', bearer(user));

  describe('Gmail messages', () => {
    const first = gmailMessage({
      id: 'm-1',
      subject: encodedWord('Rückzahlung — invoice 4471 overdue'),
      from: `${encodedWord('Zoë Faber')} <Zoe@Supplier.example>`,
      cc: 'Legal <legal@example.com>',
      text: 'The invoice 4471 for the turbine parts is 30 days overdue.\nPlease advise.',
      html: '<p>The invoice <b>4471</b> for the turbine parts is 30 days overdue.</p>',
      attachments: ['invoice-4471.pdf'],
      labels: ['INBOX', 'IMPORTANT'],
    });
    const htmlOnly = gmailMessage({
      id: 'm-2',
      subject: 'Meeting notes',
      html: '<html><body><h1>Notes</h1><p>We agreed on arbitration &amp; a <a href="https://x.example">deadline</a>.</p><script>bad()</script></body></html>',
    });
    const bare = gmailMessage({
      id: 'm-3',
      omit: ['Subject', 'From', 'To', 'Date'],
      text: 'No headers at all.',
      internalDate: '1793871300000', // 2026-11-05T09:35:00Z
    });
    const huge = gmailMessage({
      id: 'm-4',
      subject: 'Log dump',
      text: `${'lorem ipsum dolor sit amet '.repeat(40_000)}needle-at-the-end`,
    });
    const raw = gmailRawMessage('m-5', 'Été: contrat signé', 'Le contrat est signé à Genève.');
    /** The mailbox after the import and re-import below: m-1 relabelled, m-6 added. */
    const mailbox = [
      { ...first, labelIds: ['INBOX'] },
      htmlOnly,
      bare,
      huge,
      raw,
      gmailMessage({ id: 'm-6', text: 'new one' }),
    ];

    it('imports format=full and format=raw messages, extracting headers, text and attachments', async () => {
      const res = await post(editor, 'gmail-messages', {
        messages: [first, htmlOnly, bare, huge, raw],
      }).expect(200);
      expect(res.body.data).toEqual({ created: 5, updated: 0, unchanged: 0 });
      const list = await get(viewer, 'gmail-messages?limit=10').expect(200);
      const byId = new Map((list.body.data.items as Json[]).map((m) => [m.id as string, m]));
      expect(byId.get('m-1')).toEqual({
        id: 'm-1',
        thread_id: 't-m-1',
        subject: 'Rückzahlung — invoice 4471 overdue',
        from: 'Zoë Faber <Zoe@Supplier.example>', // as written; filters ignore case
        to: ['Bob <bob@example.com>', 'carol@example.com'],
        cc: ['Legal <legal@example.com>'],
        date: '2026-11-03T09:15:00.000Z',
        snippet: expect.stringContaining('invoice 4471'),
        labels: ['INBOX', 'IMPORTANT'],
      });
      expect(byId.get('m-3')).toMatchObject({
        subject: '',
        from: '',
        to: [],
        date: new Date(1793871300000).toISOString(),
      });
      expect(byId.get('m-5')).toMatchObject({
        subject: 'Été: contrat signé',
        from: 'René Dupont <rene@example.fr>',
        to: ['team@example.com'],
      });
      const stored = await db.query<Json[]>(
        'SELECT google_id, body_text, attachments FROM gmail_messages WHERE casefile_id = $1 ORDER BY google_id',
        [casefileId],
      );
      const body = new Map(stored.map((row) => [row.google_id as string, row]));
      expect(body.get('m-1')!.body_text).toBe(
        'The invoice 4471 for the turbine parts is 30 days overdue.\nPlease advise.',
      );
      expect(body.get('m-1')!.attachments).toEqual(['invoice-4471.pdf']);
      expect(body.get('m-2')!.body_text).toContain('We agreed on arbitration & a deadline.');
      expect(body.get('m-2')!.body_text).not.toMatch(/<|bad\(\)|https:/);
      expect(body.get('m-4')!.body_text.length).toBeGreaterThan(1_000_000);
      expect(body.get('m-5')!.body_text).toBe('Le contrat est signé à Genève.');
    });

    it('re-imports idempotently: unchanged, or updated when something changed', async () => {
      await post(editor, 'gmail-messages', { messages: [first, htmlOnly] }).expect(200);
      const again = await post(editor, 'gmail-messages', { messages: [first, htmlOnly] }).expect(
        200,
      );
      expect(again.body.data).toEqual({ created: 0, updated: 0, unchanged: 2 });
      const relabelled = { ...first, labelIds: ['INBOX'] };
      const changed = await post(editor, 'gmail-messages', {
        messages: [relabelled, gmailMessage({ id: 'm-6', text: 'new one' })],
      }).expect(200);
      expect(changed.body.data).toEqual({ created: 1, updated: 1, unchanged: 0 });
      const [{ n }] = await db.query<{ n: number }[]>(
        "SELECT count(*)::int AS n FROM gmail_messages WHERE casefile_id = $1 AND google_id = 'm-1'",
        [casefileId],
      );
      expect(n).toBe(1);
    });

    it('rejects a bad batch whole: an item (named with its field), over 500 items, over 10 MiB', async () => {
      const stored = () =>
        db.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM gmail_messages WHERE casefile_id = $1',
          [casefileId],
        );
      const res = await post(editor, 'gmail-messages', {
        messages: [
          gmailMessage({ id: 'ok-1', text: 'fine' }),
          { threadId: 'x', payload: {} },
          { id: 'no-body' },
        ],
      });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
      expect(res.body.errors[0].details.fields).toEqual([
        { field: 'messages.1.id', message: 'messages.1.id is required' },
        {
          field: 'messages.2.payload',
          message: 'messages.2.payload is required (format=full), or raw (format=raw)',
        },
      ]);
      const dup = await post(editor, 'gmail-messages', {
        messages: [gmailMessage({ id: 'd' }), gmailMessage({ id: 'd' })],
      });
      expect(dup.status).toBe(400);
      expect(dup.body.errors[0].details.fields[0].field).toBe('messages.1.id');
      const tooMany = await post(editor, 'gmail-messages', {
        messages: Array.from({ length: 501 }, (_, i) => ({ id: `x${i}`, raw: '' })),
      });
      expect(tooMany.status).toBe(400);
      const tenMib = 10 * 1024 * 1024;
      const tooBig = await post(editor, 'gmail-messages', {
        messages: [gmailMessage({ id: 'big', text: 'x'.repeat(tenMib) })],
      });
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.errors[0]).toMatchObject({
        code: 'VAL_PAYLOAD_TOO_LARGE',
        details: { limit_bytes: tenMib },
      });
      expect(await stored()).toEqual([{ n: 0 }]);
    });

    it('lists with filters and cursors', async () => {
      await post(editor, 'gmail-messages', { messages: mailbox }).expect(200);
      const byLabel = await get(viewer, 'gmail-messages?label=IMPORTANT').expect(200);
      expect((byLabel.body.data.items as Json[]).map((m) => m.id as string)).toEqual([]);
      const inbox = await get(viewer, 'gmail-messages?label=INBOX&include_total=true').expect(200);
      expect(inbox.body.data.total).toBe(6);
      const fromZoe = await get(viewer, 'gmail-messages?from=supplier').expect(200);
      expect((fromZoe.body.data.items as Json[]).map((m) => m.id as string)).toEqual(['m-1']);
      const window = await get(
        viewer,
        'gmail-messages?after=2026-11-04T00:00:00Z&before=2026-11-06T00:00:00Z',
      ).expect(200);
      expect((window.body.data.items as Json[]).map((m) => m.id as string).sort()).toEqual([
        'm-3',
        'm-5',
      ]);
      const page1 = await get(viewer, 'gmail-messages?limit=4').expect(200);
      const page2 = await get(
        viewer,
        `gmail-messages?limit=4&cursor=${page1.body.data.next_cursor}`,
      ).expect(200);
      const ids = [...page1.body.data.items, ...page2.body.data.items].map(
        (m: Json) => m.id as string,
      );
      expect(new Set(ids).size).toBe(6);
      const dates = [...page1.body.data.items, ...page2.body.data.items].map(
        (m: Json) => m.date as string,
      );
      expect(dates).toEqual([...dates].sort().reverse());
    });
  });

  describe('Drive files and Sheets', () => {
    it('imports files with their text, idempotently, and lists them by type and name', async () => {
      const files = [
        driveFile('f-1', 'Turbine contract.pdf', {
          mimeType: 'application/pdf',
          size: '482113',
          content_text: 'This agreement covers turbine maintenance and arbitration in Geneva.',
        }),
        driveFile('f-2', 'Q3 budget', { mimeType: 'application/vnd.google-apps.spreadsheet' }),
      ];
      expect((await post(editor, 'drive-files', { files }).expect(200)).body.data).toEqual({
        created: 2,
        updated: 0,
        unchanged: 0,
      });
      expect((await post(editor, 'drive-files', { files }).expect(200)).body.data).toEqual({
        created: 0,
        updated: 0,
        unchanged: 2,
      });
      const pdfs = await get(viewer, 'drive-files?mime_type=application/pdf').expect(200);
      expect(pdfs.body.data.items).toEqual([
        {
          id: 'f-1',
          name: 'Turbine contract.pdf',
          mime_type: 'application/pdf',
          description: '',
          modified_time: '2026-11-02T10:00:00.000Z',
          size: '482113',
          web_view_link: 'https://docs.google.com/document/d/f-1/edit',
          owners: ['alice@example.com'],
          has_content: true,
        },
      ]);
      const byName = await get(viewer, 'drive-files?name=budget').expect(200);
      expect((byName.body.data.items as Json[]).map((f) => f.id as string)).toEqual(['f-2']);
      const bad = await post(editor, 'drive-files', {
        files: [driveFile('f-3', 'x', { modifiedTime: 'yesterday' })],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].details.fields[0].field).toBe('files.0.modifiedTime');
    });

    it('imports a value range (first row the header) as an upsert on spreadsheet and range', async () => {
      const values = [
        ['Vendor', 'Amount', 'Paid'],
        ['Acme turbines', 1200.5, true],
        ['Globex', '300', false],
        ['Initech', 'n/a', false],
      ];
      const body = {
        spreadsheet_id: 'sheet-1',
        value_range: valueRange("'Q3 costs'!A1:C4", values),
      };
      expect((await post(editor, 'sheets', body).expect(200)).body.data).toEqual({
        created: 1,
        updated: 0,
        unchanged: 0,
      });
      expect((await post(editor, 'sheets', body).expect(200)).body.data).toEqual({
        created: 0,
        updated: 0,
        unchanged: 1,
      });
      const changed = {
        ...body,
        value_range: valueRange("'Q3 costs'!A1:C4", [...values, ['Umbrella', 50, true]]),
      };
      expect((await post(editor, 'sheets', changed).expect(200)).body.data).toEqual({
        created: 0,
        updated: 1,
        unchanged: 0,
      });
      const list = await get(viewer, 'sheets').expect(200);
      expect(list.body.data.items).toEqual([
        expect.objectContaining({
          spreadsheet_id: 'sheet-1',
          sheet_title: 'Q3 costs',
          range: "'Q3 costs'!A1:C4",
          header: ['Vendor', 'Amount', 'Paid'],
          row_count: 4,
        }),
      ]);
      const bad = await post(editor, 'sheets', {
        spreadsheet_id: 's',
        value_range: { values: [[{}]] },
      });
      expect(bad.status).toBe(400);
      expect((bad.body.errors[0].details.fields as Json[]).map((f) => f.field as string)).toEqual(
        expect.arrayContaining(['value_range.0.range']),
      );
    });
  });

  describe('search', () => {
    /** The casefile's three kinds of data, each with the word "turbine". */
    const importTurbines = async () => {
      await post(editor, 'gmail-messages', {
        messages: [
          gmailMessage({
            id: 'm-1',
            subject: encodedWord('Rückzahlung — invoice 4471 overdue'),
            text: 'The invoice 4471 for the turbine parts is 30 days overdue.',
          }),
          gmailMessage({
            id: 'm-4',
            subject: 'Log dump',
            text: `${'lorem ipsum dolor sit amet '.repeat(40_000)}needle-at-the-end`,
          }),
          gmailRawMessage('m-5', 'Été: contrat signé', 'Le contrat est signé à Genève.'),
        ],
      }).expect(200);
      await post(editor, 'drive-files', {
        files: [
          driveFile('f-1', 'Turbine contract.pdf', {
            content_text: 'This agreement covers turbine maintenance and arbitration in Geneva.',
          }),
        ],
      }).expect(200);
      await post(editor, 'sheets', {
        spreadsheet_id: 'sheet-1',
        value_range: valueRange("'Q3 costs'!A1:B2", [
          ['Vendor', 'Amount'],
          ['Acme turbines', 1200.5],
        ]),
      }).expect(200);
    };

    it('ranks hits across the three kinds, with highlighted snippets', async () => {
      await importTurbines();
      const res = await get(viewer, 'search?q=turbine').expect(200);
      const hits = res.body.data.items as Json[];
      expect(hits.map((h) => `${h.type as string}:${h.id as string}`).sort()).toEqual(
        [
          'drive:f-1',
          'gmail:m-1',
          'sheet:' + (hits.find((h) => h.type === 'sheet')?.id as string),
        ].sort(),
      );
      expect(hits.map((h) => h.rank as number)).toEqual(
        [...hits.map((h) => h.rank as number)].sort((a, b) => b - a),
      );
      const mail = hits.find((h) => h.type === 'gmail')!;
      expect(mail.title).toBe('Rückzahlung — invoice 4471 overdue');
      expect(mail.snippet).toContain('<mark>turbine</mark>');
      // a title (subject, file name) outranks the sender, which outranks the text
      const ranking = (await createCasefile(t.app.getHttpServer(), owner, { title: 'Ranking' })).id;
      const text = 'Minutes of the weekly call. The gearbox was discussed briefly.';
      await post(
        owner,
        'gmail-messages',
        {
          messages: [
            gmailMessage({ id: 'r-text', subject: 'Weekly call', text }),
            gmailMessage({ id: 'r-subject', subject: 'Gearbox', text: 'See attached.' }),
            gmailMessage({ id: 'r-sender', from: 'Gearbox Team <team@x.example>', text: 'Hi.' }),
          ],
        },
        ranking,
      ).expect(200);
      await post(
        owner,
        'drive-files',
        {
          files: [
            driveFile('r-content', 'Call notes', { content_text: text }),
            driveFile('r-name', 'Gearbox drawings'),
          ],
        },
        ranking,
      ).expect(200);
      const ranked = await get(owner, 'search?q=gearbox', ranking).expect(200);
      expect((ranked.body.data.items as Json[]).map((h) => h.id as string)).toEqual([
        expect.stringMatching(/^r-(subject|name)$/),
        expect.stringMatching(/^r-(subject|name)$/),
        'r-sender',
        expect.stringMatching(/^r-(text|content)$/),
        expect.stringMatching(/^r-(text|content)$/),
      ]);
      const onlyDrive = await get(viewer, 'search?q=turbine&types=drive,sheet&limit=1').expect(200);
      expect(onlyDrive.body.data.items).toHaveLength(1);
      expect(['drive', 'sheet']).toContain(onlyDrive.body.data.items[0].type);
      // a body is searched in its first 100 000 characters (a 1 MB log is, and stays cheap)
      const start = await get(viewer, 'search?q=lorem ipsum').expect(200);
      expect((start.body.data.items as Json[]).map((h) => h.id as string)).toEqual(['m-4']);
      const past = await get(viewer, 'search?q=needle-at-the-end').expect(200);
      expect(past.body.data.items).toEqual([]);
      const phrase = await get(viewer, 'search?q="contrat signé"').expect(200);
      expect((phrase.body.data.items as Json[]).map((h) => h.id as string)).toEqual(['m-5']);
    });

    it('answers a query of operators or punctuation with nothing, never a 500', async () => {
      for (const q of ['!!!', '""', '-', 'or', '&|!()', "'", '\\']) {
        const res = await get(viewer, `search?q=${encodeURIComponent(q)}`);
        expect(res.status).toBe(200);
        expect(res.body.data.items).toEqual([]);
      }
      const empty = await get(viewer, 'search?q=');
      expect(empty.status).toBe(400);
      const badType = await get(viewer, 'search?q=x&types=calendar');
      expect(badType.status).toBe(400);
    });

    it('searches only within the casefile', async () => {
      await importTurbines();
      const other = (await createCasefile(t.app.getHttpServer(), stranger, { title: 'Other' })).id;
      await post(
        stranger,
        'gmail-messages',
        { messages: [gmailMessage({ id: 'm-1', text: 'turbine elsewhere' })] },
        other,
      ).expect(200);
      const mine = await get(viewer, 'search?q=elsewhere').expect(200);
      expect(mine.body.data.items).toEqual([]);
    });
  });

  it('counts what the casefile holds', async () => {
    const counted = casefileId;
    await post(
      owner,
      'gmail-messages',
      {
        messages: [
          gmailMessage({ id: 'count-1', text: 'a' }),
          gmailMessage({ id: 'count-2', text: 'b' }),
        ],
      },
      counted,
    ).expect(200);
    await post(owner, 'drive-files', { files: [driveFile('count-f', 'x')] }, counted).expect(200);
    await post(
      owner,
      'sheets',
      {
        spreadsheet_id: 'count',
        value_range: valueRange('A1:A2', [['h'], ['v']]),
      },
      counted,
    ).expect(200);
    const res = await api()
      .get(`/v1/casefiles/${counted}`)
      .set('Authorization', bearer(viewer))
      .expect(200);
    expect(res.body.data.counts).toEqual({
      tool_sessions: 0,
      chat_sessions: 0,
      gmail_messages: 2,
      drive_files: 1,
      sheets: 1,
    });
  });

  it('lets editors write and viewers read; strangers get 404 on every route', async () => {
    const writes: [string, unknown][] = [
      ['gmail-messages', { messages: [gmailMessage({ id: 'acl-1', text: 'x' })] }],
      ['drive-files', { files: [driveFile('acl-f', 'x')] }],
      ['sheets', { spreadsheet_id: 'acl', value_range: valueRange('A1:A2', [['h'], ['v']]) }],
    ];
    for (const [path, body] of writes) {
      expect((await post(owner, path, body)).status).toBe(200);
      expect((await post(editor, path, body)).status).toBe(200);
      const byViewer = await post(viewer, path, body);
      expect(byViewer.status).toBe(403);
      expect(byViewer.body.errors[0].details).toMatchObject({
        required: 'editor',
        actual: 'viewer',
      });
      const byStranger = await post(stranger, path, body);
      expect(byStranger.status).toBe(404);
      expect(byStranger.body.errors[0].code).toBe('NF_CASEFILE');
    }
    for (const path of ['gmail-messages', 'drive-files', 'sheets', 'search?q=x']) {
      expect((await get(viewer, path)).status).toBe(200);
      const byStranger = await get(stranger, path);
      expect(byStranger.status).toBe(404);
      expect(byStranger.body.errors[0].code).toBe('NF_CASEFILE');
    }
  });
});
