import { Type } from 'class-transformer';
import { IsInt, IsString, Length, Max, ValidateNested } from 'class-validator';
import { RequestValidationError } from '../../platform/errors/system.errors';
import { createValidationPipe, toFieldErrors } from './validation';

class Filter {
  @IsString()
  field!: string;
}

class Query {
  @Length(1, 5)
  title!: string;

  @IsInt()
  @Max(100)
  limit!: number;

  @ValidateNested({ each: true })
  @Type(() => Filter)
  filters!: Filter[];
}

describe('validation', () => {
  const pipe = createValidationPipe();
  const transform = (value: unknown) => pipe.transform(value, { type: 'body', metatype: Query });

  it('flattens nested errors into dotted field paths, one entry per broken rule', async () => {
    const error = await transform({
      title: '',
      limit: 500,
      filters: [{ field: 'ok' }, { field: 3 }],
    })
      .then(() => undefined)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).details).toEqual({
      fields: [
        { field: 'title', message: 'title must be longer than or equal to 1 characters' },
        { field: 'limit', message: 'limit must not be greater than 100' },
        { field: 'filters.1.field', message: 'field must be a string' },
      ],
    });
  });

  it('rejects unknown properties', async () => {
    await expect(
      transform({ title: 'ok', limit: 1, filters: [], extra: true }),
    ).rejects.toMatchObject({
      code: 'VAL_FAILED',
      details: { fields: [{ field: 'extra', message: 'property extra should not exist' }] },
    });
  });

  it('passes a valid body through as an instance of the DTO', async () => {
    const value = (await transform({ title: 'ok', limit: 3, filters: [{ field: 'a' }] })) as Query;
    expect(value).toBeInstanceOf(Query);
    expect(value.filters[0]).toBeInstanceOf(Filter);
  });

  it('toFieldErrors returns nothing for no errors', () => {
    expect(toFieldErrors([])).toEqual([]);
  });
});
