import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class ProbeNoteDto {
  @IsString()
  @Length(1, 20)
  text!: string;
}

/** A body with the kinds of rules real DTOs use, to prove validation and its error shape. */
export class CreateProbeItemDto {
  @IsString()
  @Length(1, 200)
  title!: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  tags?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => ProbeNoteDto)
  note?: ProbeNoteDto;

  @IsOptional()
  @IsString()
  @MaxLength(4_000_000)
  padding?: string;

  /** Where to fail after the insert: in the handler, or in the probe hook's post(). */
  @IsOptional()
  @IsIn(['handler', 'post_hook'])
  fail_in?: 'handler' | 'post_hook';
}
