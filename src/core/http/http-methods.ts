/** Methods that change state: transactional by default, audited, refused to read-only keys. */
const MUTATING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const isMutating = (method: string): boolean => MUTATING_METHODS.has(method);
