import { rmSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { AppLogger } from '../../src/core/logging/app-logger';
import { BackgroundWork } from '../../src/core/hub/background';
import type { Actor } from '../../src/core/hub/actor';
import { AuthService } from '../../src/modules/auth';
import { newUserBody } from '../factories/users';
import type { LogCapture } from './log-capture';
import { compileTestModule, type TestAppOptions } from './test-app';

/**
 * Service-level tests: the real services of the application (the same AppModule, its lifecycle
 * run) on the real PostgreSQL with its migrations, called directly — no HTTP, no guards, no hub.
 * Work runs in a job's context (`BackgroundWork`), as it would behind a request or a queue.
 */
export interface TestContext {
  module: TestingModule;
  logs: LogCapture;
  get<T>(token: abstract new (...args: never[]) => T): T;
  /** `work` in a context of its own (CLS, request id, after-commit), as a job runs. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** `work` in one transaction of such a context: its after-commit work runs after COMMIT. */
  inTransaction<T>(work: () => Promise<T>): Promise<T>;
  /** A new registered user, as the actor a signed-in request would carry. */
  newActor(): Promise<Actor>;
  close(): Promise<void>;
}

export async function createTestContext(options: TestAppOptions = {}): Promise<TestContext> {
  const { moduleRef, logs, dataDir } = await compileTestModule(options);
  await moduleRef.init();
  // Nest's Logger writes where an app's would (the log capture), as in the service
  Logger.overrideLogger(moduleRef.get(AppLogger));
  const background = moduleRef.get(BackgroundWork);
  const run = <T>(work: () => Promise<T>) => background.run('service_test', work);
  return {
    module: moduleRef,
    logs,
    get: (token) => moduleRef.get(token),
    run,
    inTransaction: (work) => run(() => background.inTransaction(work)),
    newActor: async () => {
      const user = await run(() => moduleRef.get(AuthService).register(newUserBody()));
      return {
        userId: user.id,
        role: 'user',
        authMethod: 'jwt',
        secondFactor: false,
        scopes: ['read', 'write'],
      };
    },
    close: async () => {
      await moduleRef.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
