import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class AddSessionDto {
  @IsUUID('all')
  @ApiProperty({ format: 'uuid', description: "The caller's own unattached tool session" })
  session_id!: string;
}

export class TransferCasefileDto {
  @IsUUID('all')
  @ApiProperty({ format: 'uuid' })
  new_owner_id!: string;
}
