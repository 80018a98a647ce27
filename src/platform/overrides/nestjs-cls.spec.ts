import type { NextFunction, Request, Response } from 'express';
import { Test } from '@nestjs/testing';
import { ClsMiddleware, ClsModule, ClsServiceManager } from 'nestjs-cls';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { clsContextMiddleware } from './nestjs-cls';

type Middleware = (req: Request, res: Response, next: NextFunction) => unknown;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void;

const oldSpaceUsed = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0;

const REQUESTS = 2_000;
const cls = ClsServiceManager.getClsService();

/**
 * Bytes moved to the old generation by two scavenges after REQUESTS requests of ~1 KB each went
 * through `middleware` and were dropped, their store reaching them as the hub's context does.
 */
async function promotedAfterRequests(middleware: Middleware): Promise<number> {
  gc({ type: 'major' });
  const before = oldSpaceUsed();
  for (let i = 0; i < REQUESTS; i++) {
    const req = { payload: Array.from({ length: 32 }, (_, k) => ({ k })) } as unknown as Request;
    await new Promise<void>((resolve) => {
      void middleware(req, {} as Response, () => {
        cls.set('request', req);
        resolve();
      });
    });
  }
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return oldSpaceUsed() - before;
}

describe('clsContextMiddleware', () => {
  beforeAll(async () => {
    // nestjs-cls's middleware needs its module initialised (its plugin hooks host)
    const module = await Test.createTestingModule({
      imports: [ClsModule.forRoot({ middleware: { mount: false } })],
    }).compile();
    await module.init();
  });

  it('opens a context with the request id, in which next() runs', () => {
    const seen: unknown[] = [];
    clsContextMiddleware(cls, () => 'req-1')({} as Request, {} as Response, () => {
      seen.push(cls.isActive(), cls.getId());
    });
    expect(seen).toEqual([true, 'req-1']);
    expect(cls.isActive()).toBe(false);
  });

  it("leaves finished requests to the scavenger (nestjs-cls's ClsMiddleware does not)", async () => {
    const ours = clsContextMiddleware(cls, () => 'id');
    // ours first: once V8 sees the requests survive, it may allocate them old from then on
    expect(await promotedAfterRequests(ours)).toBeLessThan(REQUESTS * 100);
    const theirs = new ClsMiddleware({ generateId: true, idGenerator: () => 'id' }).use;
    expect(await promotedAfterRequests(theirs)).toBeGreaterThan(REQUESTS * 1024);
  });
});
