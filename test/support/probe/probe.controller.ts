import { setTimeout as sleep } from 'node:timers/promises';
import { Body, Controller, Get, HttpCode, Logger, Param, Post, Query } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { uuidv7 } from 'uuidv7';
import { DomainError, TooManyRequestsError } from '../../../src/platform/errors/domain-error';
import { type ErrorCode, ERROR_CODES } from '../../../src/platform/errors/error-codes';
import { currentRequest, type HubClsStore } from '../../../src/core/hub/work-context';
import { Operation } from '../../../src/core/hub/operation.decorator';
import { PathId } from '../../../src/core/http/id.param';
import {
  type ResponseMode,
  ResponseModeParam,
  type SseEvent,
} from '../../../src/core/http/event-stream';
import { Public } from '../../../src/core/http/public.decorator';
import { Idempotent } from '../../../src/core/idempotency/idempotent.decorator';
import { Sql } from '../../../src/platform/database/sql';
import { CreateProbeItemDto } from './probe.dto';
import { ProbeHook } from './probe.hook';

export const PROBE_UPLOAD_LIMIT_BYTES = 3 * 1024 * 1024;

class ProbeDomainError extends DomainError {
  constructor(code: ErrorCode) {
    super(code, `probe ${code}`, { probe: true });
  }
}

interface ProbeItemRow {
  id: string;
  title: string;
}

/**
 * Test-only routes that reach the platform paths no product route reaches yet: validation, domain
 * errors of every kind, internal errors, transactions, slow handlers, database access.
 */
@Public()
@Controller('probe')
export class ProbeController {
  private readonly logger = new Logger('Probe');

  constructor(
    private readonly sql: Sql,
    private readonly cls: ClsService<HubClsStore>,
    private readonly hook: ProbeHook,
  ) {}

  /**
   * JSON or SSE per request (as the chat turn will be): `count` events, failing after `fail_after`
   * of them when given. The JSON answer is what the stream adds up to.
   */
  @Post('stream')
  @HttpCode(200)
  @Idempotent()
  @Operation('probe_stream', { summary: 'probe', streams: true })
  streamOrJson(
    @Query('count') count = '3',
    @Query('fail_after') failAfter: string | undefined,
    @ResponseModeParam() mode: ResponseMode,
    @Query('closes_at') closesAt?: string,
  ): { count: number } | AsyncIterable<SseEvent> {
    const total = Number(count);
    if (total > 100) throw new ProbeDomainError('VAL_FAILED');
    if (mode === 'json') return { count: total };
    const hook = this.hook;
    const requestId = currentRequest(this.cls)?.requestId;
    const postRan = () => hook.events.some((e) => e.requestId === requestId && e.phase === 'post');
    return (async function* () {
      for (let n = 1; n <= total; n++) {
        if (failAfter !== undefined && n > Number(failAfter)) {
          throw new ProbeDomainError('SYS_UPSTREAM_ERROR');
        }
        await sleep(5);
        const tick = { event: 'tick', data: { n, post_ran: postRan() }, id: String(n) };
        // an event that closes the request, then a while before the stream ends
        if (closesAt !== undefined && n === Number(closesAt)) {
          yield { ...tick, closes: {} };
          await sleep(300);
        } else yield tick;
      }
      yield { event: 'done', data: { count: total } };
    })();
  }

  /** An operation with a body limit of its own (as the import routes will have). */
  @Post('uploads')
  @HttpCode(200)
  @Operation('probe_upload', { summary: 'probe', bodyLimitBytes: PROBE_UPLOAD_LIMIT_BYTES })
  upload(@Body() body: CreateProbeItemDto): { bytes: number } {
    return { bytes: body.padding?.length ?? 0 };
  }

  @Post('items')
  @Operation('probe_create_item', { summary: 'probe' })
  async create(@Body() body: CreateProbeItemDto): Promise<ProbeItemRow> {
    const id = uuidv7();
    await this.sql.count('INSERT INTO probe_items (id, title) VALUES ($1, $2)', [id, body.title]);
    if (body.fail_in === 'handler') throw new Error('probe handler failed after insert');
    if (body.fail_in === 'post_hook') this.hook.failPostFor.add(this.cls.getId());
    return { id, title: body.title };
  }

  @Get('items/:id')
  @Operation('probe_get_item', { summary: 'probe' })
  async get(@PathId() id: string): Promise<ProbeItemRow> {
    const rows = await this.sql.rows<ProbeItemRow>(
      'SELECT id, title FROM probe_items WHERE id = $1',
      [id],
    );
    if (!rows[0]) throw new ProbeDomainError('NF_CASEFILE');
    return rows[0];
  }

  @Get('context')
  @Operation('probe_context', { summary: 'probe' })
  context(): unknown {
    this.logger.log('probe handler log line');
    return { context: currentRequest(this.cls), cls_id: this.cls.getId() };
  }

  @Get('errors/:code')
  @Operation('probe_error', { summary: 'probe' })
  fail(@Param('code') code: string): never {
    if (!(code in ERROR_CODES)) throw new Error(`unknown code ${code}`);
    if (code === 'RATE_LIMIT_EXCEEDED' || code === 'AUTH_TOO_MANY_ATTEMPTS') {
      throw new TooManyRequestsError(code, 'slow down', 42);
    }
    throw new ProbeDomainError(code as ErrorCode);
  }

  @Get('boom')
  @Operation('probe_boom', { summary: 'probe' })
  boom(): never {
    throw new Error('internal detail: password=hunter2 at SELECT * FROM users');
  }

  @Get('sql-error')
  @Operation('probe_sql_error', { summary: 'probe' })
  async sqlError(): Promise<unknown> {
    return this.sql.rows('SELECT secret_column FROM table_that_does_not_exist');
  }

  @Get('db')
  @Operation('probe_db', { summary: 'probe' })
  async db(): Promise<{ now: string }> {
    const [row] = await this.sql.rows<{ now: Date }>('SELECT now() AS now');
    return { now: row.now.toISOString() };
  }

  /** A statement that takes `ms` in PostgreSQL (past DB_STATEMENT_TIMEOUT_MS: cancelled). */
  @Get('db-sleep')
  @Operation('probe_db_sleep', { summary: 'probe' })
  async dbSleep(@Query('ms') ms = '300'): Promise<{ slept_ms: number }> {
    await this.sql.rows('SELECT pg_sleep($1::float8 / 1000)', [Number(ms)]);
    return { slept_ms: Number(ms) };
  }

  /** A statement that fails on its bind parameter (PostgreSQL quotes the value it could not read). */
  @Post('db-bad-parameter')
  @HttpCode(200)
  @Operation('probe_db_bad_parameter', { summary: 'probe' })
  async dbBadParameter(@Body() body: { value?: unknown }): Promise<unknown> {
    return this.sql.rows('SELECT $1::integer AS n', [String(body.value)]);
  }

  @Get('slow')
  @Operation('probe_slow', { summary: 'probe' })
  async slow(@Query('ms') ms = '300'): Promise<{ waited_ms: number }> {
    await sleep(Number(ms));
    return { waited_ms: Number(ms) };
  }

  @Post('actions/noop')
  @HttpCode(204)
  @Operation('probe_noop', { summary: 'probe' })
  noop(): void {}

  @Get('no-operation')
  missingOperation(): string {
    return 'a route without @Operation must never answer';
  }
}
