import { RequestValidationError } from '../../platform/errors/system.errors';
import { validateConditions } from './casefile-conditions';

const fieldsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RequestValidationError);
    return ((error as RequestValidationError).details?.fields as { field: string }[]).map(
      (f) => f.field,
    );
  }
  throw new Error('expected a validation error');
};

describe('validateConditions', () => {
  it('types values by field: dates become Date, lists stay lists', () => {
    const owner = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    expect(
      validateConditions([
        { field: 'created_at', operator: 'gte', value: '2026-11-22T10:00:00.000Z' },
        { field: 'owner_id', operator: 'in', value: [owner] },
        { field: 'tags', operator: 'like', value: 'fin%' },
      ]),
    ).toEqual([
      { field: 'created_at', operator: 'gte', value: new Date('2026-11-22T10:00:00.000Z') },
      { field: 'owner_id', operator: 'in', value: [owner] },
      { field: 'tags', operator: 'like', value: 'fin%' },
    ]);
  });

  it('allows exactly the operators each field supports', () => {
    const allowed = (field: string) =>
      ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'like'].filter((operator) => {
        const value = ['in', 'nin'].includes(operator) ? ['2026-01-01'] : '2026-01-01';
        const sample =
          field === 'owner_id'
            ? ['in', 'nin'].includes(operator)
              ? ['0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']
              : '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'
            : value;
        try {
          validateConditions([{ field, operator, value: sample }]);
          return true;
        } catch {
          return false;
        }
      });
    expect(allowed('title')).toEqual(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'like']);
    expect(allowed('tags')).toEqual(['eq', 'ne', 'in', 'nin', 'like']);
    expect(allowed('created_at')).toEqual(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin']);
    expect(allowed('owner_id')).toEqual(['eq', 'ne', 'in', 'nin']);
  });

  it('reports every bad filter at once, by position', () => {
    expect(
      fieldsOf(() =>
        validateConditions([
          { field: 'title', operator: 'eq', value: 'fine' },
          { field: 'password_hash', operator: 'eq', value: 'x' },
          { field: 'title', operator: 'eq', value: 'x'.repeat(201) },
          { field: 'created_at', operator: 'lt', value: '2026-02-30T00:00:00Z' },
          { field: 'title', operator: 'nin', value: Array(101).fill('a') },
        ]),
      ),
    ).toEqual(['filters.1.field', 'filters.2.value', 'filters.3.value', 'filters.4.value']);
  });
});
