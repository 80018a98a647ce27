/**
 * The auth module's face: who is calling (`@CurrentActor()`), roles, users, the session-token
 * claim, and the DTOs the admin routes answer with.
 */
export { AuthModule } from './auth.module';
export { AuthService } from './auth.service';
export { CurrentActor } from './current-actor.decorator';
export { Roles } from './roles.decorator';
export { UsersService } from './users/users.service';
export { UserNotFoundError } from './auth.errors';
export {
  type BoundSession,
  boundSessionOf,
  SESSION_KINDS,
  type SessionKind,
} from './tokens/bound-session';
export { UserDto } from './dto/user.dto';
export { ListUsersQuery, UpdateUserDto } from './dto/admin-users.dto';
