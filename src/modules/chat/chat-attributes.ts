import { type Session } from '../sessions';

/** What a chat adds to a session, kept in its attributes (and so in a replacement too). */
// a type, not an interface: it is a Record<string, unknown> as the session core keeps it
export type ChatAttributes = {
  title: string | null;
  system_prompt: string | null;
  provider: string;
  model: string;
};

export function attributesOf(session: Session): ChatAttributes {
  const attributes = session.attributes as Partial<ChatAttributes>;
  return {
    title: attributes.title ?? null,
    system_prompt: attributes.system_prompt ?? null,
    provider: attributes.provider ?? 'builtin',
    model: attributes.model ?? 'builtin-1',
  };
}
