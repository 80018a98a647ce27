import type { OperationMetric } from '../../core/metrics/operation-metrics';

/** Session operations: the tool and chat session routes. */
export const sessionOperations: OperationMetric = {
  name: 'session_operations_total',
  help: 'Tool and chat session operations by operation name and answered status',
  routes: /^\/v1\/(tool-sessions|chat\/sessions)(\/|$)/,
};
