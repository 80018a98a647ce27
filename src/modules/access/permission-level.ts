/** Casefile permission levels, lowest first; each includes the ones before it (API.md §4). */
export const PERMISSION_LEVELS = ['viewer', 'editor', 'manager', 'owner'] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

/** The levels a grant row can hold: `owner` is the casefile's owner_id, never a grant. */
export const GRANTABLE_LEVELS = ['viewer', 'editor', 'manager'] as const;
export type GrantableLevel = (typeof GRANTABLE_LEVELS)[number];

export function includesLevel(actual: PermissionLevel | null, required: PermissionLevel): boolean {
  return (
    actual !== null && PERMISSION_LEVELS.indexOf(actual) >= PERMISSION_LEVELS.indexOf(required)
  );
}
