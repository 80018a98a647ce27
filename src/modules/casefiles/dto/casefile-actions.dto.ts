import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class TransferCasefileDto {
  @IsUUID('all')
  @ApiProperty({ format: 'uuid' })
  new_owner_id!: string;
}
