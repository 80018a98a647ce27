import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AdminUsersController } from './admin-users.controller';

/** Role-guarded routes over the other modules' services (API.md §8). */
@Module({ imports: [AuthModule], controllers: [AdminUsersController] })
export class AdminModule {}
