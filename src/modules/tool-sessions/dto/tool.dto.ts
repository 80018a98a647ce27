import { ApiProperty } from '@nestjs/swagger';

export class ToolDto {
  @ApiProperty({ example: 'text.stats' }) name!: string;
  @ApiProperty() description!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The JSON Schema the parameters are checked against',
  })
  parameters!: Record<string, unknown>;

  @ApiProperty() requires_casefile!: boolean;
}
