import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Chat (API.md §6). A chat session is a session of kind `chat`; what a kind adds to a session
 * (a chat's title, system prompt, provider and model) is kept in `sessions.attributes`, which the
 * session core carries along — also into the session that replaces an expired bound one. Messages
 * are the chat module's own table, in turn order.
 */
export class Chat1795323600000 implements MigrationInterface {
  name = 'Chat1795323600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "ALTER TABLE sessions ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'",
    );
    await queryRunner.query(`
      CREATE TABLE chat_messages (
        id uuid PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        turn_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
        content text NOT NULL,
        tool_calls jsonb,
        tool_call_id text,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE INDEX chat_messages_session_created_idx ON chat_messages (session_id, created_at, id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE chat_messages');
    await queryRunner.query('ALTER TABLE sessions DROP COLUMN attributes');
  }
}
