import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { SharedCache } from './shared-cache';

@Global()
@Module({ imports: [MetricsModule], providers: [SharedCache], exports: [SharedCache] })
export class SharedCacheModule {}
