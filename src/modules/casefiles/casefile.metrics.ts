import type { OperationMetric } from '../../core/metrics/operation-metrics';

/** Casefile operations (API.md §2): everything under `/casefiles`, the admin routes included. */
export const casefileOperations: OperationMetric = {
  name: 'casefile_operations_total',
  help: 'Casefile operations by operation name and answered status',
  routes: /^\/v1\/(admin\/)?casefiles(\/|$)/,
};
