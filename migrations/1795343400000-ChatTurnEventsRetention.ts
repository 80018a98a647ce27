import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Streamed turns' events are kept for CHAT_TURN_EVENTS_RETENTION_SECONDS from the turn's start,
 * then swept a batch of turns at a time. The sweep finds due turns by their first event: one
 * entry per turn, so the index costs one insert per turn, not one per streamed delta.
 */
export class ChatTurnEventsRetention1795343400000 implements MigrationInterface {
  name = 'ChatTurnEventsRetention1795343400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX chat_turn_events_started_idx ON chat_turn_events (created_at) WHERE seq = 1',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX chat_turn_events_started_idx');
  }
}
