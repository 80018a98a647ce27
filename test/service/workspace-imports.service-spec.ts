import { DataSource } from 'typeorm';
import type { Actor } from '../../src/core/hub/actor';
import { CasefilesService } from '../../src/modules/casefiles';
import { WorkspaceService } from '../../src/modules/workspace/workspace.service';
import { driveFile, gmailMessage, valueRange } from '../fixtures/google';
import { createTestContext, type TestContext } from '../support/test-context';

/**
 * Workspace imports with the real parser, repositories and PostgreSQL, no HTTP: one batched
 * upsert per import, counted as created, updated or unchanged; a bad item stores nothing.
 */
describe('Workspace imports (service level)', () => {
  let t: TestContext;
  let workspace: WorkspaceService;
  let db: DataSource;
  let owner: Actor;

  beforeAll(async () => {
    t = await createTestContext();
    workspace = t.get(WorkspaceService);
    db = t.get(DataSource);
    owner = await t.newActor();
  });
  afterAll(() => t.close());

  const newCasefile = async () =>
    (await t.inTransaction(() => t.get(CasefilesService).create(owner, { title: 'Imports' }))).id;
  const countIn = async (table: string, casefileId: string) =>
    (
      await db.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM ${table} WHERE casefile_id = $1`,
        [casefileId],
      )
    )[0].n;

  it('a sync skips the messages the import refuses and stores the rest; the import route refuses all', async () => {
    const casefileId = await newCasefile();
    const hostile = { ...gmailMessage({ id: 'm-bad' }), payload: { parts: 'not parts' } };
    const batch = [gmailMessage({ id: 'm-ok' }), hostile];
    await expect(
      t.run(() => workspace.importGmailMessages(casefileId, batch)),
    ).rejects.toMatchObject({ code: 'VAL_FAILED' });
    expect(
      await t.run(() => workspace.importGmailMessages(casefileId, batch, { skipRefused: true })),
    ).toEqual({ created: 1, updated: 0, unchanged: 0, skipped: 1 });
    const stored = await db.query<{ google_id: string }[]>(
      'SELECT google_id FROM gmail_messages WHERE casefile_id = $1',
      [casefileId],
    );
    expect(stored.map((row) => row.google_id)).toEqual(['m-ok']);
  });

  it('a sync given one id twice stores it once, as it came last, never failing the batch', async () => {
    const casefileId = await newCasefile();
    const batch = [
      gmailMessage({ id: 'm-twice' }),
      gmailMessage({ id: 'm-twice', subject: 'Last' }),
    ];
    expect(
      await t.run(() => workspace.importGmailMessages(casefileId, batch, { skipRefused: true })),
    ).toEqual({ created: 1, updated: 0, unchanged: 0, skipped: 0 });
    const [row] = await db.query<{ subject: string }[]>(
      'SELECT subject FROM gmail_messages WHERE casefile_id = $1',
      [casefileId],
    );
    expect(row.subject).toBe('Last');
  });

  it('stores Gmail messages once: a re-import counts them unchanged, an edited one updated', async () => {
    const casefileId = await newCasefile();
    const batch = [gmailMessage({ id: 'm-1' }), gmailMessage({ id: 'm-2', subject: 'Invoice' })];
    expect(await t.run(() => workspace.importGmailMessages(casefileId, batch))).toEqual({
      created: 2,
      updated: 0,
      unchanged: 0,
      skipped: 0,
    });
    expect(await t.run(() => workspace.importGmailMessages(casefileId, batch))).toEqual({
      created: 0,
      updated: 0,
      unchanged: 2,
      skipped: 0,
    });
    const edited = [gmailMessage({ id: 'm-2', subject: 'Invoice (corrected)' })];
    expect(await t.run(() => workspace.importGmailMessages(casefileId, edited))).toEqual({
      created: 0,
      updated: 1,
      unchanged: 0,
      skipped: 0,
    });
    const [row] = await db.query<{ subject: string }[]>(
      'SELECT subject FROM gmail_messages WHERE casefile_id = $1 AND google_id = $2',
      [casefileId, 'm-2'],
    );
    expect(row.subject).toBe('Invoice (corrected)');
  });

  it('stores nothing of a batch with one bad item, and names the item', async () => {
    const casefileId = await newCasefile();
    const batch = [gmailMessage({ id: 'ok' }), { id: 'no-payload', threadId: 't' }];
    await expect(
      t.run(() => workspace.importGmailMessages(casefileId, batch)),
    ).rejects.toMatchObject({
      code: 'VAL_FAILED',
      details: {
        fields: [expect.objectContaining({ field: expect.stringContaining('messages.1') })],
      },
    });
    expect(await countIn('gmail_messages', casefileId)).toBe(0);
  });

  it('refuses a NUL in what Google sent before parsing it, like the input edge does', async () => {
    const casefileId = await newCasefile();
    const batch = [driveFile('f-1', 'Notes\u0000')];
    await expect(t.run(() => workspace.importDriveFiles(casefileId, batch))).rejects.toMatchObject({
      code: 'VAL_FAILED',
    });
    expect(await countIn('drive_files', casefileId)).toBe(0);
  });

  it('keeps only http(s) links of Drive files, and a sheet range by its rows under its header', async () => {
    const casefileId = await newCasefile();
    const files = [
      driveFile('f-1', 'Plan'),
      driveFile('f-2', 'Trap', { webViewLink: 'javascript:alert(1)' }),
    ];
    expect(await t.run(() => workspace.importDriveFiles(casefileId, files))).toMatchObject({
      created: 2,
    });
    const links = await db.query<{ google_id: string; web_view_link: string | null }[]>(
      'SELECT google_id, web_view_link FROM drive_files WHERE casefile_id = $1 ORDER BY google_id',
      [casefileId],
    );
    expect(links).toEqual([
      { google_id: 'f-1', web_view_link: 'https://docs.google.com/document/d/f-1/edit' },
      { google_id: 'f-2', web_view_link: null },
    ]);
    const range = valueRange("'Q4 Orders'!A1:B3", [
      ['sku', 'qty'],
      ['a-1', 3],
      ['b-2', 5],
    ]);
    expect(
      await t.run(() => workspace.importSheetRange(casefileId, 'sheet-1', range)),
    ).toMatchObject({
      created: 1,
    });
    const [sheet] = await db.query<{ sheet_title: string; header: string[]; row_count: number }[]>(
      'SELECT sheet_title, header, row_count FROM sheet_ranges WHERE casefile_id = $1',
      [casefileId],
    );
    expect(sheet).toEqual({ sheet_title: 'Q4 Orders', header: ['sku', 'qty'], row_count: 2 });
  });

  it('lets only an editor import through the access-checked entry', async () => {
    const casefileId = await newCasefile();
    const stranger = await t.newActor();
    await expect(
      t.run(() =>
        workspace.storeDriveFiles(stranger, casefileId, { files: [driveFile('f-1', 'Plan')] }),
      ),
    ).rejects.toMatchObject({ code: 'NF_CASEFILE' });
    expect(await countIn('drive_files', casefileId)).toBe(0);
  });
});
