import { Global, Module } from '@nestjs/common';
import { AfterCommit } from './after-commit';

/** What feature modules use of the hub's request context, available everywhere. */
@Global()
@Module({ providers: [AfterCommit], exports: [AfterCommit] })
export class HubContextModule {}
