import { MetricsHook } from '../../../src/core/metrics/metrics.hook';
import { REQUEST_HOOKS } from '../../../src/core/hub/request-hook';
import type { TestAppOptions } from '../test-app';
import { ProbeHook } from './probe.hook';
import { ProbeModule } from './probe.module';

export { ProbeHook } from './probe.hook';

/** createTestApp options that add the probe routes and append the probe hook to the hub's list. */
export const withProbe: Pick<TestAppOptions, 'imports' | 'overrides'> = {
  imports: [ProbeModule],
  overrides: [
    {
      token: REQUEST_HOOKS,
      inject: [MetricsHook, ProbeHook],
      factory: (...hooks: never[]) => hooks,
    },
  ],
};
