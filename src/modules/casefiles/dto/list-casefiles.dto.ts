import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsTimestamp } from '../../../core/http/timestamps';
import { PageQuery } from '../../../core/http/pagination';
import { toBoolean } from '../../../core/http/query-transforms';
import { QUERY_FIELDS, QUERY_OPERATORS, SORT_KEYS } from '../casefile-conditions';

export const LIST_SORTS = ['-created_at', 'created_at', '-updated_at', 'updated_at'] as const;
export type ListSort = (typeof LIST_SORTS)[number];
export const RELATIONS = ['all', 'owned', 'shared'] as const;
export type Relation = (typeof RELATIONS)[number];

/** The filters of `GET /casefiles`, shared with the admin list. */
export class CasefileFiltersQuery extends PageQuery {
  /** Only casefiles carrying this tag. */
  @IsOptional()
  @IsString()
  @MaxLength(50)
  tag?: string;

  /** Substring of the title or description (case-insensitive). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @IsOptional()
  @IsTimestamp()
  @ApiPropertyOptional({ format: 'date-time' })
  created_after?: string;

  @IsOptional()
  @IsTimestamp()
  @ApiPropertyOptional({ format: 'date-time' })
  created_before?: string;

  @IsOptional()
  @IsIn(LIST_SORTS)
  @ApiPropertyOptional({ enum: LIST_SORTS, default: '-created_at' })
  sort?: ListSort;
}

export class ListCasefilesQuery extends CasefileFiltersQuery {
  /** `owned`: the caller owns them; `shared`: granted to the caller; `all` (default): both. */
  @IsOptional()
  @IsIn(RELATIONS)
  @ApiPropertyOptional({ enum: RELATIONS, default: 'all' })
  relation?: Relation;
}

export class AdminListCasefilesQuery extends CasefileFiltersQuery {
  @IsOptional()
  @IsUUID('all')
  owner_id?: string;

  /** Soft-deleted casefiles too (they carry `deleted_at`). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  include_deleted?: boolean;
}

export class QueryFilterDto {
  @IsString()
  @ApiProperty({ enum: QUERY_FIELDS })
  field!: string;

  @IsString()
  @ApiProperty({ enum: QUERY_OPERATORS })
  operator!: string;

  /** A string (an ISO 8601 date-time for times, a UUID for owner_id); an array for in/nin. */
  @IsDefined()
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'finance',
  })
  value!: unknown;
}

/** The filters, sort and page (`limit`, `cursor`, `include_total`, as in every list). */
export class QueryCasefilesDto extends PageQuery {
  /** All must hold (AND). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => QueryFilterDto)
  @ApiPropertyOptional({ type: [QueryFilterDto] })
  filters?: QueryFilterDto[];

  @IsOptional()
  @IsIn(SORT_KEYS)
  @ApiPropertyOptional({ enum: SORT_KEYS, default: 'created_at' })
  sort_by?: (typeof SORT_KEYS)[number];

  @IsOptional()
  @IsIn(['asc', 'desc'])
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  sort_order?: 'asc' | 'desc';
}
