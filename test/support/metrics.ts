/**
 * The value of one Prometheus series in a `/metrics` text, written as it appears there (name and
 * labels in the registry's order), e.g. `tool_executions_total{tool="text.stats",status="failed"}`;
 * 0 when the series has no sample yet. Tests read it before and after what they do and assert
 * the difference, so they hold whatever ran before them.
 */
export function metricValue(text: string, series: string): number {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const sample = text.match(new RegExp(`^${escaped} ([0-9.e+-]+)$`, 'm'));
  return sample ? Number(sample[1]) : 0;
}

/**
 * A reader of several series at once, from the service's `/metrics` text: call it before and
 * after what a test does and compare the two arrays.
 */
export const metricsReader =
  (metricsText: () => Promise<string>, series: readonly string[]) =>
  async (): Promise<number[]> => {
    const text = await metricsText();
    return series.map((name) => metricValue(text, name));
  };
