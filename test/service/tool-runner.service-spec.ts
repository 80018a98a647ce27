import { DataSource } from 'typeorm';
import type { Actor } from '../../src/core/hub/actor';
import type { Session } from '../../src/modules/sessions';
import { SessionsService } from '../../src/modules/sessions';
import { ToolSessionsService } from '../../src/modules/tool-sessions';
import { ToolRunner } from '../../src/modules/tool-sessions/execution/tool-runner';
import { createTestContext, type TestContext } from '../support/test-context';
import { TestToolsModule } from '../support/tools';

const TIMEOUT_MS = 1_500;

/**
 * The one tool path (schema check, bounded run in a worker process, the record) with the real
 * registry, workers and PostgreSQL, no HTTP: every ending is an outcome, every run is recorded,
 * and a refusal records nothing.
 */
describe('The tool path (service level)', () => {
  let t: TestContext;
  let tools: ToolSessionsService;
  let db: DataSource;
  let actor: Actor;
  let session: Session;

  beforeAll(async () => {
    t = await createTestContext({
      env: { TOOL_TIMEOUT_MS: String(TIMEOUT_MS) },
      imports: [TestToolsModule],
    });
    await t.get(ToolRunner).warmedUp;
    tools = t.get(ToolSessionsService);
    db = t.get(DataSource);
    actor = await t.newActor();
    session = await t.inTransaction(() => t.get(SessionsService).create(actor, 'tool', {}));
  });
  afterAll(() => t.close());

  const execute = (tool: string, parameters: Record<string, unknown>) =>
    t.inTransaction(() => tools.execute(actor, session, tool, parameters));
  const recorded = async (id: string) =>
    (
      await db.query<{ status: string; error: { code: string } | null }[]>(
        'SELECT status, error FROM tool_requests WHERE id = $1',
        [id],
      )
    )[0];
  const recordedCount = async () =>
    (
      await db.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM tool_requests WHERE session_id = $1',
        [session.id],
      )
    )[0].n;

  it('runs a worker tool and records its result', async () => {
    const request = await execute('text.stats', { text: 'to be or not to be' });
    expect(request).toMatchObject({ status: 'succeeded', result: { words: 6 }, error: null });
    expect(await recorded(request.id)).toEqual({ status: 'succeeded', error: null });
  });

  it('records a run stopped at TOOL_TIMEOUT_MS as failed with TOOL_TIMEOUT, and runs the next', async () => {
    const started = Date.now();
    const request = await execute('test.spin', { forever: true });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 3);
    expect(request).toMatchObject({ status: 'failed', error: { code: 'TOOL_TIMEOUT' } });
    expect((await recorded(request.id)).error).toMatchObject({ code: 'TOOL_TIMEOUT' });
    expect(await execute('text.stats', { text: 'x' })).toMatchObject({ status: 'succeeded' });
  });

  it("records a tool's own failure as TOOL_FAILED with its message", async () => {
    const request = await execute('math.evaluate', { expression: 'sum(1:1e9)' });
    expect(request).toMatchObject({ status: 'failed', error: { code: 'TOOL_FAILED' } });
    expect(request.error?.message).toContain('1,000,000');
  });

  it('refuses an unknown tool or parameters off its schema before anything runs: nothing recorded', async () => {
    const before = await recordedCount();
    await expect(execute('no.such', {})).rejects.toMatchObject({ code: 'NF_TOOL' });
    await expect(execute('text.stats', { text: 1, extra: true })).rejects.toMatchObject({
      code: 'VAL_TOOL_PARAMETERS',
    });
    await expect(execute('casefile.search', { query: 'x' })).rejects.toMatchObject({
      code: 'BR_CASEFILE_REQUIRED',
    });
    expect(await recordedCount()).toBe(before);
  });

  it('records nothing when the transaction that ran the tool rolls back', async () => {
    const before = await recordedCount();
    await expect(
      t.inTransaction(async () => {
        await tools.execute(actor, session, 'text.stats', { text: 'kept?' });
        throw new Error('the request failed after the tool ran');
      }),
    ).rejects.toThrow('the request failed after the tool ran');
    expect(await recordedCount()).toBe(before);
  });
});
