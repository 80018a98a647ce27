/**
 * Issue 21's `bystander`: one user's cheap tool (`text.stats`) while three other users keep the
 * costliest expression the service accepts running, each one after another; its p99 beside the
 * same user's p99 on the idle service. Target: loaded p99 ≤ 3× idle p99.
 */
export interface BystanderFigures {
  /** What the three others ran, back to back. */
  heavy_expression: string;
  idle: { requests: number; p50_ms: number; p99_ms: number };
  loaded: { requests: number; p50_ms: number; p99_ms: number; failed: number };
  /** The heavy runs, and how they ended (a run past the timeout is TOOL_TIMEOUT). */
  heavy_runs: Record<string, number>;
  ratio_p99: number;
}

/**
 * The costliest the service accepts: the largest matrix product within its element limit
 * (1000 × 1000, 10⁹ multiply-adds in mathjs) — past the tool timeout on this machine, so each
 * run holds its worker for the whole TOOL_TIMEOUT_MS.
 */
export const HEAVY_EXPRESSION = 'ones(1000, 1000) * ones(1000, 1000)';

interface Options {
  url: string;
  seconds: number;
  /** A new user's bearer token and a tool session of theirs. */
  newUserWithSession: () => Promise<{ token: string; sessionId: string }>;
  log: (message: string) => void;
}

const TEXT = {
  tool: 'text.stats',
  parameters: { text: 'The quick brown fox jumps over the dog.' },
};

/**
 * One client running `text.stats` back to back for `seconds`; every request's time, the one in
 * flight when the window closes included (a run stuck behind others must count, not vanish).
 */
async function cheapLoad(options: Options, token: string, sessionId: string) {
  const times: number[] = [];
  let failed = 0;
  const deadline = performance.now() + options.seconds * 1000;
  while (performance.now() < deadline) {
    const started = performance.now();
    const res = await fetch(`${options.url}/v1/tool-sessions/${sessionId}/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(TEXT),
    });
    const body = (await res.json().catch(() => ({}))) as { data?: { status?: string } };
    times.push(performance.now() - started);
    if (res.status !== 201 || body.data?.status !== 'succeeded') failed += 1;
  }
  const sorted = times.sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) /
    10;
  return { requests: sorted.length, p50_ms: at(50), p99_ms: at(99), failed };
}

export async function measureBystander(options: Options): Promise<BystanderFigures> {
  const bystander = await options.newUserWithSession();
  const heavyUsers = await Promise.all([1, 2, 3].map(() => options.newUserWithSession()));
  // warm: the bystander's runs reach a worker that has run one before
  await cheapLoad({ ...options, seconds: 1 }, bystander.token, bystander.sessionId);
  const idle = await cheapLoad(options, bystander.token, bystander.sessionId);

  const outcomes: Record<string, number> = {};
  let stopping = false;
  const heavyLoop = async ({ token, sessionId }: { token: string; sessionId: string }) => {
    while (!stopping) {
      const res = await fetch(`${options.url}/v1/tool-sessions/${sessionId}/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          tool: 'math.evaluate',
          parameters: { expression: HEAVY_EXPRESSION },
        }),
      });
      const body = (await res.json().catch(() => ({}))) as {
        data?: { status?: string; error?: { code?: string } | null };
        errors?: { code?: string }[];
      };
      const outcome =
        body.data?.error?.code ?? body.data?.status ?? body.errors?.[0]?.code ?? `${res.status}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  };
  const heavy = heavyUsers.map(heavyLoop);
  // the three are running before the bystander's window opens
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const loaded = await cheapLoad(options, bystander.token, bystander.sessionId);
  stopping = true;
  await Promise.all(heavy);
  const figures: BystanderFigures = {
    heavy_expression: HEAVY_EXPRESSION,
    idle: { requests: idle.requests, p50_ms: idle.p50_ms, p99_ms: idle.p99_ms },
    loaded,
    heavy_runs: outcomes,
    ratio_p99: Math.round((loaded.p99_ms / Math.max(idle.p99_ms, 0.1)) * 100) / 100,
  };
  options.log(
    `  bystander                idle p99 ${idle.p99_ms} ms, loaded p99 ${loaded.p99_ms} ms (${figures.ratio_p99}×), heavy runs ${JSON.stringify(outcomes)}`,
  );
  return figures;
}
