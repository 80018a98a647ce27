import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The events of chat turns (API.md §6), in order per turn: what a streamed turn sent, kept so a
 * client that lost the stream replays what it missed — from any instance — and follows the rest.
 */
export class ChatTurnEvents1795327200000 implements MigrationInterface {
  name = 'ChatTurnEvents1795327200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE chat_turn_events (
        turn_id uuid NOT NULL,
        seq integer NOT NULL,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        event text NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (turn_id, seq)
      )`);
    // the cascade from a deleted session (or user) finds its events by this index
    await queryRunner.query(
      'CREATE INDEX chat_turn_events_session_idx ON chat_turn_events (session_id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE chat_turn_events');
  }
}
