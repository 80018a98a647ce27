import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, MaxLength } from 'class-validator';

const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;
/** Tags are a set: trimmed, duplicates dropped, first occurrence kept. */
const normaliseTags = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value)
    ? [...new Set(value.map((tag: unknown) => (typeof tag === 'string' ? tag.trim() : tag)))]
    : value;

export class CreateCasefileDto {
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Q3 audit' })
  title!: string;

  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  @ApiPropertyOptional({ maxLength: 10_000 })
  description?: string;

  @IsOptional()
  @Transform(normaliseTags)
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  @ApiPropertyOptional({ type: [String], maxItems: 20, example: ['finance', 'q3'] })
  tags?: string[];
}

export class UpdateCasefileDto {
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  title?: string;

  /** `null` clears it. */
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  @ApiPropertyOptional({ maxLength: 10_000, nullable: true, type: String })
  description?: string | null;

  @IsOptional()
  @Transform(normaliseTags)
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  @ApiPropertyOptional({ type: [String], maxItems: 20 })
  tags?: string[];
}
