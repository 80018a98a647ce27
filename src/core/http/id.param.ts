import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/** Marks a validation rule whose failure is reported under its own code, not VAL_FAILED. */
export const ERROR_CODE_CONTEXT = { code: 'VAL_INVALID_ID' } as const;

/** `@Param() { id }: IdParam` — a malformed id answers `400 VAL_INVALID_ID`. */
export class IdParam {
  @ApiProperty({ format: 'uuid', description: 'A UUID (v7 for ids this service makes)' })
  @IsUUID('all', { message: 'id must be a UUID', context: ERROR_CODE_CONTEXT })
  id!: string;
}
