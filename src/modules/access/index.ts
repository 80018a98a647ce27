/**
 * The access module's face: the casefile access rule (AccessService, its SQL for other modules'
 * one-statement reads, the levels) and the `casefile_access` hook.
 */
export { AccessModule } from './access.module';
export { AccessService } from './access.service';
export { CasefileNotFoundError } from './access.errors';
export { CasefileAccess, CasefileAccessHook } from './casefile-access.hook';
export { type CasefileRelation, casefileLevel, visibleCasefileSources } from './access.sql';
export { includesLevel, PERMISSION_LEVELS, type PermissionLevel } from './permission-level';
