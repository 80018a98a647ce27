import { Global, Module } from '@nestjs/common';
import { AfterCommit } from './after-commit';
import { BackgroundWork } from './background';

/** What feature modules use of the hub's request context (and jobs' own), available everywhere. */
@Global()
@Module({ providers: [AfterCommit, BackgroundWork], exports: [AfterCommit, BackgroundWork] })
export class HubContextModule {}
