import type { Provider } from '@nestjs/common';
import { getToken, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';

/**
 * A domain's operation counter, declared by its module (`casefile_operations_total` for the
 * casefile routes, …) and listed where the app is assembled (`CoreModule.forRoot`): the `metrics`
 * hook counts every operation whose route template matches `routes`, by name and answered status.
 */
export interface OperationMetric {
  name: string;
  help: string;
  /** The route templates (`/v1/casefiles/:id`) whose operations it counts. */
  routes: RegExp;
}

export interface CountedOperations {
  routes: RegExp;
  counter: Counter<string>;
}

export const OPERATION_METRICS = Symbol('OPERATION_METRICS');

/** The counters of `metrics`, made through the Prometheus module, and the list the hook reads. */
export function operationMetricProviders(metrics: readonly OperationMetric[]): Provider[] {
  return [
    ...metrics.map(({ name, help }) =>
      makeCounterProvider({ name, help, labelNames: ['operation', 'status'] }),
    ),
    {
      provide: OPERATION_METRICS,
      inject: metrics.map(({ name }) => getToken(name)),
      useFactory: (...counters: Counter<string>[]): CountedOperations[] =>
        metrics.map(({ routes }, index) => ({ routes, counter: counters[index] })),
    },
  ];
}
