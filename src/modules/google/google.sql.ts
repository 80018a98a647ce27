/**
 * The google module's rule for "this connection may be used" as SQL, published for other modules'
 * one-statement reads (a sync run checks it with its other standing). The argument is SQL text
 * naming a column or a bind parameter, never a value.
 */
export const googleConnectionUsable = {
  /** Whether the connection whose id is `connectionId` is active (not pending, not revoked). */
  ofId(connectionId: string): string {
    return `EXISTS (SELECT 1 FROM google_connections gc
                     WHERE gc.id = ${connectionId} AND gc.status = 'active')`;
  },
};
