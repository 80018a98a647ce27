import type { Client } from 'pg';
import { gmailMessage } from '../test/fixtures/google';

/** Workspace data (issue 12): imports in 500-message batches, and search over 100 000 messages. */
export interface WorkspaceFigures {
  import: {
    clients: number;
    batches: number;
    messages_per_second: number;
    batch_p50_ms: number;
    batch_p99_ms: number;
  };
  /** One client alone; a fixed SEARCH_RATE (the target); SEARCH_CLIENTS back to back. */
  search: SearchFigures[];
}

export interface SearchFigures {
  load: string;
  messages: number;
  queries: number;
  queries_per_second: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

const BATCH = 500;
const IMPORT_CLIENTS = 4;
/** Searches per second offered for the target (open loop), and clients for the most it answers. */
export const SEARCH_RATE = 50;
export const SEARCH_CLIENTS = 4;
export const SEARCH_MESSAGES = 100_000;

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) /
      10;

/**
 * Words of the seeded mailbox in three tiers: 10 common (each in ~7% of the messages), 20 medium
 * (~4%) and 30 rare (~0.2%); everything else in a body is one of 10 007 other terms.
 */
const WORDS = (
  'invoice customs delay payment shipment container freight contract supplier schedule ' +
  'dispute amendment arbitration refund insurance damage claim vessel berth crane turbine ' +
  'gasket demurrage rotterdam singapore surcharge tariff quota penalty deadline ' +
  'warehouse pallet carrier manifest bearing valve pump audit compliance credit note ' +
  'inspection certificate origin export import port detention booking hamburg antwerp ' +
  'shanghai rates fuel lashing reefer chassis drayage transload bonded'
).split(' ');

/** What users search for: common and rare words, pairs, a phrase, an exclusion. */
const QUERIES = [
  'invoice',
  'customs delay',
  'payment dispute',
  '"contract amendment"',
  'demurrage -rotterdam',
  'turbine gasket',
  'refund',
  'vessel berth crane',
  'insurance damage claim',
  'reefer',
];

/**
 * Fresh 500-message batches (format=full, multipart, realistic bodies) posted back to back by a
 * few clients for `seconds`: every batch holds new ids, so each is 500 inserts. Then 100 000
 * messages seeded into another casefile with SQL and searched (the import's casefile, in the same
 * indexes, holds matches too): by one client, at a fixed SEARCH_RATE, and by SEARCH_CLIENTS
 * clients back to back.
 */
export async function measureWorkspace(options: {
  url: string;
  headers: Record<string, string>;
  db: Client;
  seconds: number;
  log: (line: string) => void;
}): Promise<WorkspaceFigures> {
  const post = (path: string, body: string) =>
    fetch(`${options.url}${path}`, { method: 'POST', headers: options.headers, body });
  const casefile = async (title: string) => {
    const res = await post('/v1/casefiles', JSON.stringify({ title }));
    return ((await res.json()) as { data: { id: string } }).data.id;
  };

  const importInto = await casefile('Bench import');
  const template = JSON.stringify({
    messages: Array.from({ length: BATCH }, (_, i) =>
      gmailMessage({
        id: `@BATCH@-${i}`,
        subject: `Shipment ${i}: ${WORDS[i % WORDS.length]} update`,
        text: `${WORDS.slice(i % 20, (i % 20) + 25).join(' ')}. Regards, the logistics desk.`,
        html: `<p>${WORDS.slice(i % 20, (i % 20) + 25).join(' ')}.</p>`,
        attachments: i % 10 === 0 ? [`manifest-${i}.pdf`] : [],
      }),
    ),
  });
  let batch = 0;
  const batchTimes: number[] = [];
  const started = performance.now();
  const deadline = Date.now() + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: IMPORT_CLIENTS }, async () => {
      while (Date.now() < deadline) {
        const body = template.replaceAll('@BATCH@', `b${batch++}`);
        const sent = performance.now();
        const res = await post(`/v1/casefiles/${importInto}/gmail-messages`, body);
        const counts = (await res.json()) as { data?: { created: number } };
        if (res.status !== 200 || counts.data?.created !== BATCH) {
          throw new Error(`import batch → ${res.status} ${JSON.stringify(counts).slice(0, 200)}`);
        }
        batchTimes.push(performance.now() - sent);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  batchTimes.sort((a, b) => a - b);

  const searchIn = await casefile('Bench search');
  options.log(`  seeding ${SEARCH_MESSAGES.toLocaleString('en')} messages for search …`);
  await seedMessages(options.db, searchIn, SEARCH_MESSAGES);
  let next = 0;
  const query = async (): Promise<number> => {
    const q = encodeURIComponent(QUERIES[next++ % QUERIES.length]);
    const sent = performance.now();
    const res = await fetch(`${options.url}/v1/casefiles/${searchIn}/search?q=${q}`, {
      headers: options.headers,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`search → ${res.status}`);
    return sent;
  };
  const figures = (load: string, times: number[], seconds: number): SearchFigures => {
    times.sort((x, y) => x - y);
    return {
      load,
      messages: SEARCH_MESSAGES,
      queries: times.length,
      queries_per_second: Math.round(times.length / seconds),
      p50_ms: percentile(times, 50),
      p95_ms: percentile(times, 95),
      p99_ms: percentile(times, 99),
    };
  };
  /** `clients` searching back to back: how fast it answers, and how many it can answer. */
  const closedLoop = async (clients: number): Promise<SearchFigures> => {
    const times: number[] = [];
    const until = Date.now() + options.seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < until) {
          const sent = await query();
          times.push(performance.now() - sent);
        }
      }),
    );
    return figures(`${clients} client${clients > 1 ? 's' : ''}`, times, options.seconds);
  };
  /** A search due every 1/rate s whatever the answers do, timed from when it was due. */
  const openLoop = async (rate: number): Promise<SearchFigures> => {
    const times: number[] = [];
    const pending: Promise<void>[] = [];
    const started = performance.now();
    for (let i = 0; i < rate * options.seconds; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      pending.push(query().then(() => void times.push(performance.now() - due)));
    }
    await Promise.all(pending);
    return figures(`${rate}/s`, times, options.seconds);
  };
  const searched = [
    await closedLoop(1),
    await openLoop(SEARCH_RATE),
    await closedLoop(SEARCH_CLIENTS),
  ];
  return {
    import: {
      clients: IMPORT_CLIENTS,
      batches: batchTimes.length,
      messages_per_second: Math.round((batchTimes.length * BATCH) / elapsed),
      batch_p50_ms: percentile(batchTimes, 50),
      batch_p99_ms: percentile(batchTimes, 99),
    },
    search: searched,
  };
}

/**
 * `count` messages in one casefile, written with SQL (the search index is what is measured, not
 * the import): a subject with a common or medium word, and a 40-word body whose words are, each
 * independently, common (1%), medium (0.5%), rare (0.15%) or one of 10 007 other terms. Seeded,
 * so every run searches the same mailbox.
 */
export async function seedMessages(db: Client, casefileId: string, count: number): Promise<void> {
  await db.query('SELECT setseed(0.42)');
  await db.query(
    `INSERT INTO gmail_messages (id, casefile_id, google_id, thread_id, subject, sender,
       sender_address, recipients_to, recipients_cc, sent_at, snippet, labels, body_text,
       attachments)
     SELECT gen_random_uuid(), $1, 'seed-' || g, 'thread-' || (g / 5), subj, sender, sender,
            ARRAY['ops@example.com'], ARRAY[]::text[],
            timestamptz '2026-01-01' + g * interval '1 minute', left(body, 120),
            ARRAY['INBOX'], body, ARRAY[]::text[]
       FROM generate_series(1, $2::int) g,
            LATERAL (SELECT
              'Shipment ' || g || ': ' || ($3::text[])[1 + floor(random() * 30)::int] AS subj,
              'clerk' || (g % 400) || '@supplier' || (g % 37) || '.example' AS sender,
              (SELECT string_agg(CASE
                        WHEN r < 0.01 THEN ($3::text[])[1 + floor(w * 10)::int]
                        WHEN r < 0.015 THEN ($3::text[])[11 + floor(w * 20)::int]
                        WHEN r < 0.0165 THEN ($3::text[])[31 + floor(w * 30)::int]
                        ELSE 'term' || floor(w * 10007)::int END, ' ')
                 FROM (SELECT random() AS r, random() AS w
                         FROM generate_series(1, 40 + g * 0)) slot) AS body) t`,
    [casefileId, count, WORDS],
  );
  await db.query('ANALYZE gmail_messages');
}
