import request from 'supertest';
import { createCasefile, grantPermission } from '../factories/casefiles';
import { openSession } from '../factories/sessions';
import { bearer, loggedInUser, type TokenPair } from '../factories/users';
import { driveFile, gmailMessage, valueRange } from '../fixtures/google';
import type { Actor } from '../../src/core/hub/actor';
import { SessionsRepository } from '../../src/modules/sessions/sessions.repository';
import { ToolSessionsService } from '../../src/modules/tool-sessions/tool-sessions.service';
import { createTestApp, type TestApp } from '../support/test-app';

type User = TokenPair & { id: string };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The casefile tools (API.md §5.1) on fixture data, through the tool path. */
describe('Casefile tools', () => {
  let t: TestApp;
  let owner: User;
  let editor: User;
  let casefileId: string;
  let sessionId: string;
  const api = () => request(t.app.getHttpServer());

  const run = async (tool: string, parameters: Json, user: User = owner, session = sessionId) =>
    api()
      .post(`/v1/tool-sessions/${session}/requests`)
      .set('Authorization', bearer(user))
      .send({ tool, parameters });
  const result = async (tool: string, parameters: Json) => {
    const res = await run(tool, parameters);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ status: 'succeeded', error: null });
    return res.body.data.result as Json;
  };

  beforeAll(async () => {
    t = await createTestApp();
    const server = t.app.getHttpServer();
    [owner, editor] = await Promise.all([loggedInUser(server), loggedInUser(server)]);
    casefileId = (await createCasefile(server, owner, { title: 'Tools' })).id;
    await grantPermission(server, owner, casefileId, editor.id, 'editor');
    const put = (path: string, body: unknown) =>
      api()
        .post(`/v1/casefiles/${casefileId}/${path}`)
        .set('Authorization', bearer(owner))
        .send(body as object)
        .expect(200);
    await put('gmail-messages', {
      messages: [
        gmailMessage({
          id: 'a1',
          from: 'Alice <ALICE@example.com>',
          subject: 'Invoice overdue',
          text: 'invoice 17 is overdue',
        }),
        gmailMessage({
          id: 'a2',
          from: 'alice@example.com',
          subject: 'Re: invoice',
          text: 'paid now',
        }),
        gmailMessage({ id: 'a3', from: 'Alice Adams <alice@example.com>', text: 'thanks' }),
        gmailMessage({ id: 'b1', from: 'Bob <bob@example.com>', text: 'hello' }),
        gmailMessage({ id: 'c1', from: 'carol@example.com', text: 'hi' }),
        gmailMessage({ id: 'c2', from: 'Carol <carol@example.com>', text: 'hi again' }),
      ],
    });
    await put('drive-files', {
      files: [
        driveFile('d1', 'Invoice 17.pdf', {
          mimeType: 'application/pdf',
          modifiedTime: '2026-10-01T00:00:00Z',
        }),
        driveFile('d2', 'Invoice 18.pdf', {
          mimeType: 'application/pdf',
          modifiedTime: '2026-11-10T00:00:00Z',
        }),
        driveFile('d3', 'Invoices overview', {
          modifiedTime: '2026-11-11T00:00:00Z',
          content_text: 'Totals per supplier, with the demurrage charged in October.',
        }),
      ],
    });
    await put('sheets', {
      spreadsheet_id: 'costs',
      value_range: valueRange('Costs!B1:D6', [
        ['Vendor', 'Amount', 'Note'],
        ['Acme', 1200.5, 'x'],
        ['Globex', '300', 'y'],
        ['Initech', 'n/a', 'z'],
        ['Umbrella', '1,000', ''],
        ['Hooli', true, ''],
      ]),
    });
    sessionId = (await openSession(server, owner, 'tool', { casefile_id: casefileId }))
      .id as string;
  });
  afterAll(() => t.close());

  it('lists the four casefile tools in the registry with their schemas', async () => {
    const res = await api().get('/v1/tools').set('Authorization', bearer(owner)).expect(200);
    const tools = new Map(
      (res.body.data.items as Json[]).map((tool) => [tool.name as string, tool]),
    );
    for (const name of [
      'casefile.search',
      'gmail.top_senders',
      'sheets.aggregate',
      'drive.find_files',
    ]) {
      expect(tools.get(name)).toMatchObject({
        requires_casefile: true,
        parameters: { type: 'object' },
      });
    }
  });

  it('casefile.search: ranked hits with snippets, by type', async () => {
    const { hits } = await result('casefile.search', { query: 'invoice' });
    expect((hits as Json[]).map((h) => `${h.type as string}:${h.id as string}`)).toEqual(
      expect.arrayContaining(['gmail:a1', 'gmail:a2', 'drive:d1', 'drive:d2']),
    );
    expect((hits as Json[])[0].snippet).toContain('<mark>');
    const onlyDrive = await result('casefile.search', {
      query: 'invoice',
      types: ['drive'],
      limit: 1,
    });
    expect(onlyDrive.hits).toHaveLength(1);
    expect(onlyDrive.hits[0].type).toBe('drive');
  });

  it('gmail.top_senders: by address, most first', async () => {
    expect(await result('gmail.top_senders', { limit: 2 })).toEqual({
      senders: [
        { from: 'alice@example.com', count: 3 },
        { from: 'carol@example.com', count: 2 },
      ],
    });
  });

  it('sheets.aggregate: by header name or column letter, non-numbers skipped and counted', async () => {
    expect(
      await result('sheets.aggregate', { spreadsheet_id: 'costs', column: 'Amount', op: 'sum' }),
    ).toEqual({
      value: 2500.5,
      rows: 3,
      skipped: 2,
    });
    // the range starts at B: column C is "Amount"
    expect(
      await result('sheets.aggregate', { spreadsheet_id: 'costs', column: 'C', op: 'max' }),
    ).toEqual({
      value: 1200.5,
      rows: 3,
      skipped: 2,
    });
    expect(
      await result('sheets.aggregate', { spreadsheet_id: 'costs', column: 'amount', op: 'avg' }),
    ).toMatchObject({
      value: 2500.5 / 3,
    });
    expect(
      await result('sheets.aggregate', { spreadsheet_id: 'costs', column: 'Note', op: 'count' }),
    ).toEqual({
      value: 0,
      rows: 0,
      skipped: 5,
    });
    const noColumn = await run('sheets.aggregate', {
      spreadsheet_id: 'costs',
      column: 'Tax',
      op: 'sum',
    });
    expect(noColumn.body.data).toMatchObject({
      status: 'failed',
      error: {
        code: 'TOOL_FAILED',
        message: 'No column Tax: the columns are Vendor, Amount, Note (or a letter)',
      },
    });
    const noSheet = await run('sheets.aggregate', {
      spreadsheet_id: 'nope',
      column: 'A',
      op: 'sum',
    });
    expect(noSheet.body.data.error.message).toBe('The casefile has no spreadsheet nope');
    const badOp = await run('sheets.aggregate', {
      spreadsheet_id: 'costs',
      column: 'A',
      op: 'median',
    });
    expect(badOp.status).toBe(400);
  });

  it('drive.find_files: by name, text, type and modification time', async () => {
    const byName = await result('drive.find_files', { name_contains: 'invoice' });
    expect((byName.files as Json[]).map((f) => f.id as string)).toEqual(['d3', 'd2', 'd1']);
    const pdfsSince = await result('drive.find_files', {
      mime_type: 'application/pdf',
      modified_after: '2026-11-01T00:00:00Z',
    });
    expect(pdfsSince).toEqual({
      files: [
        expect.objectContaining({ id: 'd2', name: 'Invoice 18.pdf', mime_type: 'application/pdf' }),
      ],
      more: false,
    });
    // by what a document's text holds (imported here, synced from Drive alike)
    const byText = await result('drive.find_files', { text_contains: 'demurrage' });
    expect(byText).toEqual({
      files: [expect.objectContaining({ id: 'd3', has_text: true })],
      more: false,
    });
    expect((byName.files as Json[]).find((f) => f.id === 'd1')).toMatchObject({ has_text: false });
    const badTime = await run('drive.find_files', { modified_after: 'last tuesday' });
    expect(badTime.body.data.error).toMatchObject({ code: 'TOOL_FAILED' });
  });

  it('serves a chat: the builtin model’s `search <terms>` runs casefile.search', async () => {
    const chat = (
      await openSession(t.app.getHttpServer(), owner, 'chat', { casefile_id: casefileId })
    ).id as string;
    const res = await api()
      .post(`/v1/chat/sessions/${chat}/messages`)
      .set('Authorization', bearer(owner))
      .send({ content: 'search overdue invoice' })
      .expect(201);
    const tool = (res.body.data.messages as Json[]).find((m) => m.role === 'tool')!;
    const outcome = JSON.parse(tool.content as string) as Json;
    expect(outcome.status).toBe('succeeded');
    expect((outcome.result.hits as Json[])[0]).toMatchObject({ type: 'gmail', id: 'a1' });
    expect((res.body.data.messages as Json[]).at(-1)!.content).toContain(
      'casefile.search returned',
    );
  });

  it('needs a session in a casefile', async () => {
    const loose = (await openSession(t.app.getHttpServer(), owner, 'tool', {})).id as string;
    const res = await run('gmail.top_senders', {}, owner, loose);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].code).toBe('BR_CASEFILE_REQUIRED');
  });

  it('reads only while the caller may read the casefile: access revoked mid-session fails as not found', async () => {
    const session = (
      await openSession(t.app.getHttpServer(), editor, 'tool', { casefile_id: casefileId })
    ).id as string;
    expect((await run('gmail.top_senders', {}, editor, session)).status).toBe(201);
    await api()
      .delete(`/v1/casefiles/${casefileId}/permissions/${editor.id}`)
      .set('Authorization', bearer(owner))
      .expect(204);
    // the request itself is refused by the session's own check …
    const refused = await run('gmail.top_senders', {}, editor, session);
    expect(refused.status).toBe(404);
    expect(refused.body.errors[0].code).toBe('NF_CASEFILE');
    // … and a call already past it (a chat turn's tool call) is refused by the tool itself
    const row = await t.app.get(SessionsRepository).findById(session);
    const actor: Actor = {
      userId: editor.id,
      role: 'user',
      authMethod: 'jwt',
      secondFactor: false,
      scopes: ['read', 'write'],
    };
    const recorded = await t.app
      .get(ToolSessionsService)
      .execute(actor, row!, 'gmail.top_senders', {});
    expect(recorded).toMatchObject({
      status: 'failed',
      result: null,
      error: { code: 'NF_CASEFILE' },
    });
  });
});
