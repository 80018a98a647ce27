import type { Client } from 'pg';
import { gmailMessage } from '../test/fixtures/google';
import type { FakeGoogle } from '../test/support/fake-google';
import { seedMessages } from './workspace';

/** A Gmail sync source's run after a mailbox of MAILBOX messages changed CHANGES times (issue 23). */
export interface IncrementalSyncFigures {
  mailbox: number;
  changes: { added: number; deleted: number; relabelled: number };
  /** From `POST …/run` to the job read back as ended, as its client sees it. */
  wall_ms: number;
  /** The job's own `created_at` → `finished_at`. */
  job_ms: number;
  google_calls: number;
  calls_by_path: Record<string, number>;
  progress: Record<string, number>;
  /** What a one-shot job of today's route makes over the same mailbox: 1 list per 100, 1 get each. */
  one_shot_calls: number;
}

export const MAILBOX = 100_000;
const ADDED = 60;
const DELETED = 20;
const RELABELLED = 20;
const RETURN_URL = 'https://app.example.test/google';

/** The environment the product needs for Google connections and sources against `google`. */
export const googleEnv = (google: FakeGoogle): Record<string, string> => ({
  ...google.oauthEnv(RETURN_URL),
  GOOGLE_API_BASE_URL: google.baseUrl,
});

/**
 * A user connects Google through the real OAuth routes (the fake plays Google and the browser),
 * adds a Gmail source to a casefile and lets its first run finish; the casefile is then given the
 * mailbox's MAILBOX messages (seeded with SQL, as a first full sync would have stored them), the
 * mailbox changes 100 times (60 new messages, 20 deleted, 20 relabelled) and the source is run:
 * its wall time and every call it makes to Google are counted.
 */
export async function measureIncrementalSync(options: {
  url: string;
  db: Client;
  google: FakeGoogle;
  token: string;
}): Promise<IncrementalSyncFigures> {
  const { url, db, google, token } = options;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { data: T }).data;
  };
  const ended = async (jobId: string) => {
    for (;;) {
      const job = await call<Record<string, unknown>>('GET', `/v1/sync-jobs/${jobId}`);
      if (!['queued', 'running'].includes(job.status as string)) return job;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  const casefile = await call<{ id: string }>('POST', '/v1/casefiles', { title: 'Mailbox' });
  const started = await call<{ id: string; authorization_url: string }>(
    'POST',
    '/v1/google/connections',
    { return_url: `${RETURN_URL}/done` },
  );
  const consent = await fetch(started.authorization_url, { redirect: 'manual' });
  const callback = new URL(consent.headers.get('location') ?? '');
  const back = await fetch(`${url}${callback.pathname}${callback.search}`, { redirect: 'manual' });
  const confirmation = new URL(back.headers.get('location') ?? '').searchParams.get('confirmation');
  await call('POST', `/v1/google/connections/${started.id}/confirm`, { confirmation });
  google.messages = [];
  const source = await call<{ id: string; last_run: { id: string } }>(
    'POST',
    `/v1/casefiles/${casefile.id}/sync-sources`,
    { connection_id: started.id, source: 'gmail' },
  );
  await ended(source.last_run.id);
  await seedMessages(db, casefile.id, MAILBOX); // google ids seed-1 … seed-100000

  for (let i = 0; i < ADDED; i++) {
    google.addMessage(gmailMessage({ id: `bench-new-${i}`, subject: `Arrival ${i}` }));
  }
  for (let i = 1; i <= DELETED; i++) google.gmailHistory.deleted({ id: `seed-${i}` });
  for (let i = 0; i < RELABELLED; i++) {
    const message = gmailMessage({ id: `seed-${1_000 + i}`, subject: 'Relabelled' });
    google.messages.push(message);
    google.gmailHistory.relabelled(message, ['IMPORTANT']);
  }

  google.reset();
  const t0 = performance.now();
  const run = await call<{ id: string }>('POST', `/v1/sync-sources/${source.id}/run`);
  const job = await ended(run.id);
  const wall = performance.now() - t0;
  if (job.status !== 'succeeded') throw new Error(`the run ended ${String(job.status)}`);
  const calls = google.requests.filter((r) => r.path !== '/token');
  const byPath: Record<string, number> = {};
  for (const { path } of calls) {
    const key = path.replace(/\/messages\/[^/]+$/, '/messages/{id}');
    byPath[key] = (byPath[key] ?? 0) + 1;
  }
  return {
    mailbox: MAILBOX,
    changes: { added: ADDED, deleted: DELETED, relabelled: RELABELLED },
    wall_ms: Math.round(wall),
    job_ms: Date.parse(job.finished_at as string) - Date.parse(job.created_at as string),
    google_calls: calls.length,
    calls_by_path: byPath,
    progress: job.progress as Record<string, number>,
    one_shot_calls: MAILBOX / 100 + MAILBOX,
  };
}
