import { Module } from '@nestjs/common';
import { JobQueue } from './job-queue';

/** The job queue (one per instance, shared by every module that imports this one). */
@Module({ providers: [JobQueue], exports: [JobQueue] })
export class JobQueueModule {}
