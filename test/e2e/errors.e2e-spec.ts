import request from 'supertest';
import { ERROR_CODES, type ErrorCode } from '../../src/platform/errors/error-codes';
import { withProbe } from '../support/probe';
import { createTestApp, type TestApp } from '../support/test-app';
import { PROBE_UPLOAD_LIMIT_BYTES } from '../support/probe/probe.controller';

const MIB = 1024 * 1024;

describe('error envelope and codes', () => {
  let t: TestApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    t = await createTestApp(withProbe);
    http = request(t.app.getHttpServer());
  });
  afterAll(() => t.close());

  describe('400 VAL_FAILED', () => {
    it('lists every bad field with a message', async () => {
      const res = await http
        .post('/v1/probe/items')
        .send({ title: 'x'.repeat(201), tags: ['ok', ''] })
        .expect(400);
      expect(res.body.data).toBeNull();
      expect(res.body.errors).toEqual([
        {
          code: 'VAL_FAILED',
          message: 'Request validation failed',
          details: {
            fields: expect.arrayContaining([
              {
                field: 'title',
                message: 'title must be shorter than or equal to 200 characters',
              },
              {
                field: 'tags',
                message:
                  'each value in tags must be longer than or equal to 1 and shorter than or equal to 50 characters',
              },
            ]) as unknown,
          },
        },
      ]);
    });

    it('names a missing required field', async () => {
      const res = await http.post('/v1/probe/items').send({}).expect(400);
      const fields = res.body.errors[0].details.fields as { field: string }[];
      expect(fields.map((f) => f.field)).toContain('title');
    });

    it('rejects unknown fields instead of ignoring them', async () => {
      const res = await http
        .post('/v1/probe/items')
        .send({ title: 'ok', owner_id: 'x' })
        .expect(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
      expect(res.body.errors[0].details.fields).toEqual([
        { field: 'owner_id', message: 'property owner_id should not exist' },
      ]);
    });

    it('names nested fields by their path', async () => {
      const res = await http
        .post('/v1/probe/items')
        .send({ title: 'ok', note: { text: '' } })
        .expect(400);
      expect(res.body.errors[0].details.fields).toEqual([
        { field: 'note.text', message: 'text must be longer than or equal to 1 characters' },
      ]);
    });
  });

  describe('400 VAL_INVALID_ID', () => {
    it.each(['not-a-uuid', '123', '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5', "1' OR '1'='1"])(
      'answers the path id %s with its own code',
      async (id) => {
        const res = await http.get(`/v1/probe/items/${encodeURIComponent(id)}`).expect(400);
        expect(res.body.errors).toEqual([
          {
            code: 'VAL_INVALID_ID',
            message: 'The id in the path is not a valid UUID',
            details: { fields: [{ field: 'id', message: 'id must be a UUID' }] },
          },
        ]);
      },
    );

    it('lets a well-formed id through to the handler (404 from the handler, not 400)', async () => {
      const res = await http
        .get('/v1/probe/items/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')
        .expect(404);
      expect(res.body.errors[0].code).toBe('NF_CASEFILE');
    });
  });

  describe('400 VAL_FAILED for bodies of the wrong shape', () => {
    it('refuses an array where an object is expected', async () => {
      const res = await http
        .post('/v1/probe/items')
        .send([{ title: 'a' }])
        .expect(400);
      expect(res.body.errors[0]).toEqual({
        code: 'VAL_FAILED',
        message: 'Request validation failed',
        details: { fields: [{ field: 'body', message: 'body must be a JSON object' }] },
      });
    });

    it.each([
      ['no body', undefined, undefined],
      ['a text/plain body', 'text/plain', 'title=x'],
      ['a form body', 'application/x-www-form-urlencoded', 'title=x'],
    ])('treats %s as an empty object and names the missing fields', async (_case, type, body) => {
      const req = http.post('/v1/probe/items');
      if (type) req.set('Content-Type', type);
      const res = await req.send(body).expect(400);
      expect(res.body.errors[0].code).toBe('VAL_FAILED');
      expect(res.body.errors[0].details.fields).toContainEqual({
        field: 'title',
        message: 'title must be a string',
      });
    });
  });

  describe('400 VAL_MALFORMED_JSON', () => {
    it.each([['{"title": '], ['{title: "x"}'], ['[1,2'], ['"unterminated'], ['42'], ['null']])(
      'answers %s with the code and no parser internals',
      async (body) => {
        const res = await http
          .post('/v1/probe/items')
          .set('Content-Type', 'application/json')
          .send(body)
          .expect(400);
        expect(res.body.errors).toEqual([
          {
            code: 'VAL_MALFORMED_JSON',
            message: 'The request body must be a valid JSON object or array',
          },
        ]);
        expect(res.body.meta.request_id).toBe(res.headers['x-request-id']);
      },
    );
  });

  describe('413 VAL_PAYLOAD_TOO_LARGE', () => {
    it('refuses a JSON body over 1 MiB', async () => {
      const padding = 'x'.repeat(MIB);
      const res = await http.post('/v1/probe/items').send({ title: 'big', padding }).expect(413);
      expect(res.body.errors[0]).toEqual({
        code: 'VAL_PAYLOAD_TOO_LARGE',
        message: `The request body exceeds ${MIB} bytes`,
        details: { limit_bytes: MIB },
      });
    });

    it('accepts a body just under the limit', async () => {
      const overhead = JSON.stringify({ title: 'near limit', padding: '' }).length;
      const padding = 'x'.repeat(MIB - overhead);
      await http.post('/v1/probe/items').send({ title: 'near limit', padding }).expect(201);
    });

    describe('an operation that declares its own limit (@Operation bodyLimitBytes)', () => {
      const overhead = JSON.stringify({ title: 'upload', padding: '' }).length;

      it('takes bodies up to its limit, well past the default', async () => {
        const padding = 'x'.repeat(PROBE_UPLOAD_LIMIT_BYTES - overhead);
        const res = await http.post('/v1/probe/uploads').send({ title: 'upload', padding });
        expect(res.status).toBe(200);
        expect(res.body.data).toEqual({ bytes: padding.length });
      });

      it('refuses one byte more with its own limit in the error', async () => {
        const padding = 'x'.repeat(PROBE_UPLOAD_LIMIT_BYTES - overhead + 1);
        const res = await http
          .post('/v1/probe/uploads')
          .send({ title: 'upload', padding })
          .expect(413);
        expect(res.body.errors[0]).toMatchObject({
          code: 'VAL_PAYLOAD_TOO_LARGE',
          details: { limit_bytes: PROBE_UPLOAD_LIMIT_BYTES },
        });
      });

      it('leaves every other route at the default limit', async () => {
        const padding = 'x'.repeat(2 * MIB);
        const res = await http.post('/v1/probe/items').send({ title: 'big', padding }).expect(413);
        expect(res.body.errors[0].details).toEqual({ limit_bytes: MIB });
      });
    });
  });

  describe('domain errors', () => {
    const codes = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
      (code) => code !== 'SYS_INTERNAL',
    );

    it.each(codes)('%s leaves with its catalogue status and its code', async (code) => {
      const res = await http.get(`/v1/probe/errors/${code}`);
      expect(res.status).toBe(ERROR_CODES[code].status);
      expect(res.body.data).toBeNull();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].code).toBe(code);
      expect(res.body.meta.operation).toBe('probe_error');
    });

    it('sends Retry-After with 429s', async () => {
      const res = await http.get('/v1/probe/errors/RATE_LIMIT_EXCEEDED').expect(429);
      expect(res.headers['retry-after']).toBe('42');
    });

    it('keeps details the error carries', async () => {
      const res = await http.get('/v1/probe/errors/NF_CASEFILE').expect(404);
      expect(res.body.errors[0]).toEqual({
        code: 'NF_CASEFILE',
        message: 'probe NF_CASEFILE',
        details: { probe: true },
      });
    });
  });

  describe('500 SYS_INTERNAL', () => {
    it('hides the thrown message and stack, and logs them with the request id', async () => {
      const res = await http.get('/v1/probe/boom').expect(500);
      expect(res.body.errors).toEqual([
        { code: 'SYS_INTERNAL', message: 'An unexpected error occurred' },
      ]);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('SELECT');
      expect(text).not.toContain('.ts:');
      const logged = t.logs.forRequest(res.headers['x-request-id']);
      const errorLine = logged.find((line) => line.msg === 'unhandled error');
      expect(errorLine?.level).toBe(50);
      expect(JSON.stringify(errorLine)).toContain('probe.controller.ts');
    });

    it('never puts SQL or the driver message in the body', async () => {
      const res = await http.get('/v1/probe/sql-error').expect(500);
      expect(res.body.errors[0].code).toBe('SYS_INTERNAL');
      const text = JSON.stringify(res.body);
      expect(text).not.toMatch(/table_that_does_not_exist|secret_column|relation|SELECT/);
    });

    it('refuses to run a handler that has no @Operation', async () => {
      const res = await http.get('/v1/probe/no-operation').expect(500);
      expect(res.body.errors[0].code).toBe('SYS_INTERNAL');
      expect(JSON.stringify(res.body)).not.toContain('never answer');
    });
  });
});
