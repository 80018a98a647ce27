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
  search: {
    messages: number;
    clients: number;
    queries: number;
    p50_ms: number;
    p95_ms: number;
    p99_ms: number;
  };
}

const BATCH = 500;
const IMPORT_CLIENTS = 4;
const SEARCH_CLIENTS = 10;
export const SEARCH_MESSAGES = 100_000;

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) /
      10;

/** Words of the seeded mailbox: a few common (in ~1 of 5 messages), most of them rare. */
const WORDS = (
  'invoice shipment customs container freight delay payment contract amendment arbitration ' +
  'warehouse pallet carrier manifest tariff quota supplier turbine bearing gasket valve pump ' +
  'audit compliance deadline penalty refund credit note dispute claim insurance damage ' +
  'inspection certificate origin export import vessel port berth crane demurrage detention ' +
  'booking schedule rotterdam hamburg antwerp singapore shanghai rates surcharge fuel'
).split(' ');

/** What users search for: single words, pairs, a phrase, an exclusion (web-search syntax). */
const QUERIES = [
  'invoice',
  'customs delay',
  'turbine gasket',
  '"payment dispute"',
  'demurrage -rotterdam',
  'arbitration amendment',
  'vessel berth crane',
  'refund',
  'insurance damage claim',
  'singapore surcharge',
];

/**
 * Fresh 500-message batches (format=full, multipart, realistic bodies) posted back to back by a
 * few clients for `seconds`: every batch holds new ids, so each is 500 inserts. Then 100 000
 * messages seeded into another casefile with SQL, and `SEARCH_CLIENTS` clients searching it.
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
  const searchTimes: number[] = [];
  const searchDeadline = Date.now() + options.seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: SEARCH_CLIENTS }, async () => {
      while (Date.now() < searchDeadline) {
        const q = encodeURIComponent(QUERIES[next++ % QUERIES.length]);
        const sent = performance.now();
        const res = await fetch(`${options.url}/v1/casefiles/${searchIn}/search?q=${q}`, {
          headers: options.headers,
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`search → ${res.status}`);
        searchTimes.push(performance.now() - sent);
      }
    }),
  );
  searchTimes.sort((a, b) => a - b);
  return {
    import: {
      clients: IMPORT_CLIENTS,
      batches: batchTimes.length,
      messages_per_second: Math.round((batchTimes.length * BATCH) / elapsed),
      batch_p50_ms: percentile(batchTimes, 50),
      batch_p99_ms: percentile(batchTimes, 99),
    },
    search: {
      messages: SEARCH_MESSAGES,
      clients: SEARCH_CLIENTS,
      queries: searchTimes.length,
      p50_ms: percentile(searchTimes, 50),
      p95_ms: percentile(searchTimes, 95),
      p99_ms: percentile(searchTimes, 99),
    },
  };
}

/**
 * `count` messages in one casefile, written with SQL (the search index is what is measured, not
 * the import): a subject with one word of the vocabulary, and a 40-word body of which every tenth
 * word is from the vocabulary (each in about 1 message in 15) and the rest from 10 007 others.
 */
async function seedMessages(db: Client, casefileId: string, count: number): Promise<void> {
  await db.query(
    `INSERT INTO gmail_messages (id, casefile_id, google_id, thread_id, subject, sender,
       sender_address, recipients_to, recipients_cc, sent_at, snippet, labels, body_text,
       attachments)
     SELECT gen_random_uuid(), $1, 'seed-' || g, 'thread-' || (g / 5), subj, sender, sender,
            ARRAY['ops@example.com'], ARRAY[]::text[],
            timestamptz '2026-01-01' + g * interval '1 minute', left(body, 120),
            ARRAY['INBOX'], body, ARRAY[]::text[]
       FROM generate_series(1, $2::int) g,
            LATERAL (SELECT 'clerk' || (g % 400) || '@supplier' || (g % 37) || '.example' AS sender,
                            $3::text[] AS words) v,
            LATERAL (SELECT
              'Shipment ' || g || ': ' || v.words[1 + (g * 7) % cardinality(v.words)] AS subj,
              (SELECT string_agg(CASE WHEN k % 10 = 0
                        THEN v.words[1 + (g * 13 + k * 7) % cardinality(v.words)]
                        ELSE 'term' || ((g * 31 + k * k * 17 + k * g) % 10007) END, ' ')
                 FROM generate_series(1, 40) k) AS body) t`,
    [casefileId, count, WORDS],
  );
  await db.query('ANALYZE gmail_messages');
}
