import request from 'supertest';
import { DataSource } from 'typeorm';
import { ProbeHook, withProbe } from '../support/probe';
import { createTestApp, type TestApp } from '../support/test-app';
import { openSse, parseSse } from '../support/sse';

describe('RequestHub', () => {
  let t: TestApp;
  let http: ReturnType<typeof request>;
  let hook: ProbeHook;
  let db: DataSource;

  const eventsOf = (requestId: string) =>
    hook.events.filter((event) => event.requestId === requestId);
  const countItems = async (title: string) =>
    Number(
      (
        await db.query<{ count: string }[]>('SELECT count(*) FROM probe_items WHERE title = $1', [
          title,
        ])
      )[0].count,
    );

  beforeAll(async () => {
    t = await createTestApp(withProbe);
    http = request(t.app.getHttpServer());
    hook = t.app.get(ProbeHook);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('builds the request context in CLS, readable deep in the call chain', async () => {
    const res = await http
      .get('/v1/probe/context')
      .set('X-Request-ID', 'ctx-1')
      .set('User-Agent', 'hub-test')
      .expect(200);
    expect(res.body.data.cls_id).toBe('ctx-1');
    expect(res.body.data.context).toMatchObject({
      requestId: 'ctx-1',
      operation: 'probe_context',
      method: 'GET',
      route: '/v1/probe/context',
      userAgent: 'hub-test',
      hooks: ['metrics', 'probe'],
    });
  });

  it('writes meta.operation and meta.hooks from the registered hook list', async () => {
    const res = await http.get('/v1/probe/context').expect(200);
    expect(res.body.meta.operation).toBe('probe_context');
    expect(res.body.meta.hooks).toEqual(['metrics', 'probe']);
  });

  it('runs pre then post around a successful handler', async () => {
    await http.get('/v1/probe/context').set('X-Request-ID', 'order-ok').expect(200);
    expect(eventsOf('order-ok').map((e) => e.phase)).toEqual(['pre', 'post']);
  });

  it('runs pre then error when the handler throws, and the error still reaches the client', async () => {
    const res = await http
      .get('/v1/probe/errors/NF_CASEFILE')
      .set('X-Request-ID', 'order-err')
      .expect(404);
    expect(eventsOf('order-err')).toMatchObject([
      { phase: 'pre' },
      { phase: 'error', errorCode: 'NF_CASEFILE' },
    ]);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([expect.objectContaining({ code: 'NF_CASEFILE' })]);
    expect(res.body.meta.request_id).toBe('order-err');
  });

  describe('transactions', () => {
    it('commits a mutating operation, with post hooks inside the transaction', async () => {
      const res = await http
        .post('/v1/probe/items')
        .set('X-Request-ID', 'tx-commit')
        .send({ title: 'tx-commit' })
        .expect(201);
      expect(res.body.data).toEqual({ id: expect.any(String) as string, title: 'tx-commit' });
      expect(await countItems('tx-commit')).toBe(1);
      const [pre, post] = eventsOf('tx-commit');
      expect(pre).toMatchObject({ phase: 'pre', inTransaction: false });
      expect(post).toMatchObject({ phase: 'post', inTransaction: true });
    });

    it('rolls the write back when the handler fails after it', async () => {
      await http
        .post('/v1/probe/items')
        .set('X-Request-ID', 'tx-handler')
        .send({ title: 'tx-handler', fail_in: 'handler' })
        .expect(500);
      expect(await countItems('tx-handler')).toBe(0);
      // error hooks run after the rollback, outside the transaction
      expect(eventsOf('tx-handler').at(-1)).toMatchObject({ phase: 'error', inTransaction: false });
    });

    it('rolls the write back when a post hook fails', async () => {
      await http
        .post('/v1/probe/items')
        .set('X-Request-ID', 'tx-post')
        .send({ title: 'tx-post', fail_in: 'post_hook' })
        .expect(500);
      expect(await countItems('tx-post')).toBe(0);
      expect(eventsOf('tx-post').map((e) => e.phase)).toEqual(['pre', 'post', 'error']);
    });

    it('does not open a transaction for reads', async () => {
      await http.get('/v1/probe/context').set('X-Request-ID', 'tx-read').expect(200);
      expect(eventsOf('tx-read').find((e) => e.phase === 'post')?.inTransaction).toBe(false);
    });
  });

  it('answers 204 with no body at all', async () => {
    const res = await http.post('/v1/probe/actions/noop').expect(204);
    expect(res.text).toBe('');
    expect(res.headers['content-type']).toBeUndefined();
  });

  describe('logging', () => {
    it('writes JSON lines that all carry the request id: handler lines and the access line', async () => {
      await http.get('/v1/probe/context').set('X-Request-ID', 'log-1').expect(200);
      await t.logs.waitFor((l) => l.request_id === 'log-1' && l.msg === 'request completed');
      const lines = t.logs.forRequest('log-1');
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining(['probe handler log line', 'request completed']),
      );
      const access = lines.find((line) => line.msg === 'request completed');
      expect(access).toMatchObject({
        level: 30,
        req: { method: 'GET', url: '/v1/probe/context' },
        res: { status: 200 },
      });
    });

    it('logs requests that fail before any handler (bad JSON) with their id', async () => {
      await http
        .post('/v1/probe/items')
        .set('X-Request-ID', 'log-badjson')
        .set('Content-Type', 'application/json')
        .send('{oops')
        .expect(400);
      const access = await t.logs.waitFor(
        (l) => l.request_id === 'log-badjson' && l.msg === 'request completed',
      );
      expect(access).toMatchObject({ level: 40, res: { status: 400 } });
    });

    it('never logs credentials sent in headers', async () => {
      await http
        .get('/v1/probe/context')
        .set('Authorization', 'Bearer super-secret-token-value')
        .set('X-API-Key', 'chk_super_secret_key_value')
        .expect(200);
      const all = t.logs.raw.join('\n');
      expect(all).not.toContain('super-secret-token-value');
      expect(all).not.toContain('chk_super_secret_key_value');
    });
  });

  describe('metrics', () => {
    it('labels http metrics by route template, never by raw path', async () => {
      const id = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
      await http.get(`/v1/probe/items/${id}`).expect(404);
      await http.get('/v1/no/such/route/12345').expect(404);
      const text = (await http.get('/metrics').expect(200)).text;
      expect(text).toContain(
        'http_requests_total{method="GET",route="/v1/probe/items/:id",status="404"}',
      );
      expect(text).toMatch(
        /http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/v1\/probe\/items\/:id"\}/,
      );
      expect(text).toContain('route="<unmatched>",status="404"');
      expect(text).not.toContain(id);
      expect(text).not.toContain('12345');
    });

    it('tracks operations in progress while they run', async () => {
      const slow = http.get('/v1/probe/slow?ms=400').then((res) => res);
      await new Promise((resolve) => setTimeout(resolve, 150));
      const during = (await http.get('/metrics')).text;
      expect(during).toContain('http_requests_in_progress{method="GET",route="/v1/probe/slow"} 1');
      await slow;
      const after = (await http.get('/metrics')).text;
      expect(after).toContain('http_requests_in_progress{method="GET",route="/v1/probe/slow"} 0');
    });

    it('serves Prometheus text with the pool gauge and Node defaults', async () => {
      const res = await http.get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/db_pool_connections\{state="max"\} 10/);
      expect(res.text).toMatch(/db_pool_connections\{state="idle"\} \d+/);
      expect(res.text).toMatch(/db_pool_connections\{state="waiting"\} 0/);
      expect(res.text).toContain('process_cpu_user_seconds_total');
      expect(res.text).toContain('nodejs_eventloop_lag_seconds');
    });
  });

  describe('hooks see the operation and the route', () => {
    it("hands hooks the route params and the operation's declared options", async () => {
      const id = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
      await http.get(`/v1/probe/items/${id}`).set('X-Request-ID', 'ctx-params').expect(404);
      expect(eventsOf('ctx-params')[0]).toMatchObject({ params: { id }, streams: false });
      await http.post('/v1/probe/stream').set('X-Request-ID', 'ctx-options').expect(200);
      expect(eventsOf('ctx-options')[0]).toMatchObject({ streams: true, responseMode: 'json' });
    });
  });

  describe('one operation, JSON or SSE by Accept', () => {
    /** supertest reads an event stream as text, then it is split into events. */
    const sse = (path: string, requestId: string) =>
      http
        .post(path)
        .set('Accept', 'text/event-stream')
        .set('X-Request-ID', requestId)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => done(null, text));
        });
    const eventsIn = (text: string) => parseSse(text).events;

    it('answers the JSON envelope when the client does not ask for a stream', async () => {
      const res = await http.post('/v1/probe/stream?count=2').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.data).toEqual({ count: 2 });
      expect(res.body.meta.operation).toBe('probe_stream');
    });

    it('streams the same operation as SSE, with ids, and runs post hooks after the last event', async () => {
      const res = await sse('/v1/probe/stream?count=3', 'sse-ok').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.headers['cache-control']).toMatch(/\bno-cache\b/);
      expect(res.headers['x-accel-buffering']).toBe('no');
      const events = eventsIn(res.body as string);
      expect(events.map((e) => [e.id, e.event])).toEqual([
        ['1', 'tick'],
        ['2', 'tick'],
        ['3', 'tick'],
        [undefined, 'done'],
      ]);
      expect(events.at(-1)!.data).toEqual({ count: 3 });
      expect(events.slice(0, 3).map((e) => e.data)).toEqual(
        [1, 2, 3].map((n) => ({ n, post_ran: false })),
      );
      const phases = eventsOf('sse-ok');
      expect(phases.map((e) => e.phase)).toEqual(['pre', 'post']);
      expect(phases[0]).toMatchObject({ responseMode: 'sse', inTransaction: false });
    });

    it('runs the post hooks before sending an event that closes the request', async () => {
      const stream = await openSse(t.app.getHttpServer(), '/v1/probe/stream?count=3&closes_at=2', {
        method: 'POST',
        headers: { 'x-request-id': 'sse-closes' },
      });
      const [first, second] = [await stream.next(), await stream.next()];
      expect([first?.id, second?.id]).toEqual(['1', '2']);
      // the client holds the closing event: the post hooks ran already (the stream goes on 300 ms)
      expect(eventsOf('sse-closes').map((e) => e.phase)).toEqual(['pre', 'post']);
      expect((await stream.until('done')).map((e) => e.event)).toEqual(['tick', 'done']);
      expect(eventsOf('sse-closes').map((e) => e.phase)).toEqual(['pre', 'post']); // once
    });

    it('turns a failure mid-stream into an error event and runs the error hooks', async () => {
      const res = await sse('/v1/probe/stream?count=3&fail_after=1', 'sse-fail').expect(200);
      const events = eventsIn(res.body as string);
      expect(events.map((e) => e.event)).toEqual(['tick', 'error']);
      expect(events[1].data).toMatchObject({ code: 'SYS_UPSTREAM_ERROR' });
      expect(eventsOf('sse-fail')).toMatchObject([
        { phase: 'pre' },
        { phase: 'error', errorCode: 'SYS_UPSTREAM_ERROR' },
      ]);
    });

    it('ends the stream and runs the error hooks when a post hook fails after it', async () => {
      hook.failPostFor.add('sse-post-fail');
      const res = await sse('/v1/probe/stream?count=2', 'sse-post-fail').expect(200);
      expect(eventsIn(res.body as string).map((e) => e.event)).toEqual(['tick', 'tick', 'done']);
      expect(eventsOf('sse-post-fail').map((e) => e.phase)).toEqual(['pre', 'post', 'error']);
      // the server is still serving
      await http.post('/v1/probe/stream?count=1').expect(200);
    });

    it('refuses before the stream starts with the JSON error envelope', async () => {
      const res = await http
        .post('/v1/probe/stream?count=101')
        .set('Accept', 'text/event-stream')
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
    });

    it('takes Idempotency-Key on the JSON form only', async () => {
      const streamed = await http
        .post('/v1/probe/stream')
        .set('Accept', 'text/event-stream')
        .set('Idempotency-Key', 'stream-key')
        .expect(400);
      expect(streamed.body.errors[0].details.fields[0].field).toBe('Idempotency-Key');
      await http.post('/v1/probe/stream').set('Idempotency-Key', 'json-key').expect(200);
      const replay = await http.post('/v1/probe/stream').set('Idempotency-Key', 'json-key');
      expect(replay.headers['idempotent-replayed']).toBe('true');
    });
  });
});
