import { HttpCode } from '@nestjs/common';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { Reflector } from '@nestjs/core';
import type { TransactionHost } from '@nestjs-cls/transactional';
import type { PipelinedTypeOrmAdapter } from '../../platform/overrides/pipelined-transactions';
import type { ClsService } from 'nestjs-cls';
import { firstValueFrom, lastValueFrom, of, throwError } from 'rxjs';
import { Operation } from './operation.decorator';
import type { HubClsStore, RequestContext } from './request-context';
import { RequestHubInterceptor } from './request-hub.interceptor';
import type { RequestHook } from './request-hook';
import type { Idempotency } from '../idempotency/idempotency';
import type { DatabaseBreaker } from '../../platform/database/database-breaker';

class Handlers {
  @Operation('read_thing', { summary: 't' })
  read(): void {}

  @Operation('make_thing', { summary: 't' })
  make(): void {}

  @HttpCode(204)
  @Operation('remove_thing', { summary: 't' })
  remove(): void {}

  @Operation('stream_thing', { summary: 't', envelope: false })
  stream(): void {}

  unnamed(): void {}
}

function executionFor(handler: keyof Handlers, method: string): ExecutionContext {
  const req = { method, id: 'req-1', route: { path: '/v1/things' }, headers: {}, ip: '127.0.0.1' };
  const res = { statusCode: 200 };
  return {
    getType: () => 'http',
    getClass: () => Handlers,
    getHandler: () => Handlers.prototype[handler],
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ExecutionContext;
}

function setup(hooks: RequestHook[]) {
  const store: Partial<HubClsStore> = {};
  const transactions: string[] = [];
  const cls = { set: (key: 'work', value: RequestContext) => (store[key] = value) };
  const txHost = {
    withTransaction: async <T>(fn: () => Promise<T>): Promise<T> => {
      transactions.push('begin');
      const result = await fn();
      transactions.push('commit');
      return result;
    },
  };
  const interceptor = new RequestHubInterceptor(
    new Reflector(),
    cls as unknown as ClsService<HubClsStore>,
    txHost as unknown as TransactionHost<PipelinedTypeOrmAdapter>,
    hooks,
    {} as Idempotency,
    { assertAvailable: () => undefined, guard: <T>(work: Promise<T>) => work } as DatabaseBreaker,
    { sseHeartbeatMs: 15_000 } as AppConfig,
  );
  return { interceptor, store, transactions };
}

function recordingHook(
  name: string,
  log: string[],
  options: Partial<RequestHook> = {},
): RequestHook {
  return {
    name,
    pre: () => void log.push(`${name}.pre`),
    post: () => void log.push(`${name}.post`),
    error: () => void log.push(`${name}.error`),
    ...options,
  };
}

const handle = (value: unknown): CallHandler<unknown> => ({ handle: () => of(value) });

describe('RequestHubInterceptor', () => {
  it('runs hooks in registration order and wraps the result in the envelope', async () => {
    const log: string[] = [];
    const { interceptor, store } = setup([recordingHook('a', log), recordingHook('b', log)]);
    const body = await firstValueFrom(
      interceptor.intercept(executionFor('read', 'GET'), handle({ ok: true })),
    );
    expect(log).toEqual(['a.pre', 'b.pre', 'a.post', 'b.post']);
    expect(body).toMatchObject({
      data: { ok: true },
      meta: { request_id: 'req-1', operation: 'read_thing', hooks: ['a', 'b'] },
      errors: [],
    });
    expect(store.work).toMatchObject({ operation: 'read_thing', route: '/v1/things' });
  });

  it('leaves out hooks that do not apply, also from meta.hooks', async () => {
    const log: string[] = [];
    const writesOnly = recordingHook('audit', log, { appliesTo: (ctx) => ctx.method !== 'GET' });
    const { interceptor } = setup([recordingHook('metrics', log), writesOnly]);
    const body = await firstValueFrom(
      interceptor.intercept(executionFor('read', 'GET'), handle(1)),
    );
    expect(log).toEqual(['metrics.pre', 'metrics.post']);
    expect(body).toMatchObject({ meta: { hooks: ['metrics'] } });
  });

  it('reads the route metadata and decides the hooks once per handler, not per request', async () => {
    const appliesTo = jest.fn(() => true);
    const { interceptor } = setup([recordingHook('metrics', [], { appliesTo })]);
    const reflect = jest.spyOn(Reflector.prototype, 'get');
    await firstValueFrom(interceptor.intercept(executionFor('read', 'GET'), handle(0)));
    const afterFirst = reflect.mock.calls.length;
    for (let i = 1; i < 3; i++) {
      await firstValueFrom(interceptor.intercept(executionFor('read', 'GET'), handle(i)));
    }
    expect(afterFirst).toBeGreaterThan(0);
    expect(reflect.mock.calls.length).toBe(afterFirst); // later requests read no metadata
    await firstValueFrom(interceptor.intercept(executionFor('make', 'POST'), handle(0)));
    expect(reflect.mock.calls.length).toBeGreaterThan(afterFirst); // another handler: its own plan
    expect(appliesTo).toHaveBeenCalledTimes(2); // once for read, once for make
    reflect.mockRestore();
  });

  it('opens a transaction for writes only', async () => {
    const read = setup([]);
    await firstValueFrom(read.interceptor.intercept(executionFor('read', 'GET'), handle(1)));
    expect(read.transactions).toEqual([]);
    const write = setup([]);
    await firstValueFrom(write.interceptor.intercept(executionFor('make', 'POST'), handle(1)));
    expect(write.transactions).toEqual(['begin', 'commit']);
  });

  it('sends no body for a @HttpCode(204) handler, whatever it returns', async () => {
    const { interceptor } = setup([]);
    const body = await firstValueFrom(
      interceptor.intercept(executionFor('remove', 'DELETE'), handle({ ignored: true })),
      { defaultValue: 'nothing emitted' },
    );
    expect(body).toBeUndefined();
  });

  it('runs error hooks on failure and rethrows the original error', async () => {
    const log: string[] = [];
    const failing = recordingHook('broken', log, {
      error: () => {
        log.push('broken.error');
        throw new Error('the hook itself failed');
      },
    });
    const { interceptor } = setup([failing, recordingHook('after', log)]);
    const original = new Error('handler failed');
    await expect(
      firstValueFrom(
        interceptor.intercept(executionFor('read', 'GET'), {
          handle: () => throwError(() => original),
        }),
      ),
    ).rejects.toBe(original);
    // the second hook's error() still ran although the first one threw
    expect(log).toEqual(['broken.pre', 'after.pre', 'broken.error', 'after.error']);
  });

  it('passes non-envelope streams through untouched, still running the hooks', async () => {
    const log: string[] = [];
    const { interceptor } = setup([recordingHook('metrics', log)]);
    // Nest consumes a handler's observable to completion, as lastValueFrom does.
    const body = await lastValueFrom(
      interceptor.intercept(executionFor('stream', 'GET'), handle('raw text')),
    );
    expect(body).toBe('raw text');
    expect(log).toEqual(['metrics.pre', 'metrics.post']);
  });

  it('refuses a handler without @Operation', () => {
    const { interceptor } = setup([]);
    expect(() => interceptor.intercept(executionFor('unnamed', 'GET'), handle(1))).toThrow(
      'Handlers.unnamed has no @Operation()',
    );
  });
});
