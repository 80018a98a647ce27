import { Inject, Injectable } from '@nestjs/common';
import { type Page, type PageQuery, paginate } from '../../core/http/pagination';
import type { Actor } from '../../core/hub/actor';
import { type ChatAttributes, attributesOf } from './chat-attributes';
import { ChatMessagesRepository } from './chat-messages.repository';
import {
  type ChatMessageDto,
  type ChatSessionDto,
  type CreateChatSessionDto,
  toChatMessageDto,
} from './dto/chat.dto';
import { CHAT_MODEL, type ChatModel } from './providers/chat-model';
import {
  type ListSessionsQuery,
  type Session,
  sessionLifecycleOf,
  SessionsService,
} from '../sessions';

export function toChatSessionDto(
  session: Session,
  messageCount: number,
  due = false,
): ChatSessionDto {
  const { title, provider, model } = attributesOf(session);
  return {
    ...sessionLifecycleOf(session, due),
    title,
    provider,
    model,
    message_count: messageCount,
  };
}

/**
 * Chat sessions (API.md §6) on the session core: opening, listing, reading and closing them, and
 * their history. Turns are ChatTurnsService's.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly messages: ChatMessagesRepository,
    @Inject(CHAT_MODEL) private readonly model: ChatModel,
  ) {}

  async create(actor: Actor, dto: CreateChatSessionDto): Promise<ChatSessionDto> {
    const attributes: ChatAttributes = {
      title: dto.title ?? null,
      system_prompt: dto.system_prompt ?? null,
      provider: this.model.provider,
      model: this.model.model,
    };
    const session = await this.sessions.create(actor, 'chat', {
      casefileId: dto.casefile_id,
      ttlSeconds: dto.ttl_seconds,
      attributes,
    });
    return toChatSessionDto(session, 0);
  }

  async list(actor: Actor, query: ListSessionsQuery): Promise<Page<ChatSessionDto>> {
    const page = await this.sessions.list(actor, 'chat', query, (session, due) => ({
      session,
      due,
    }));
    const counts = await this.messages.counts(page.items.map(({ session }) => session.id));
    return {
      ...page,
      items: page.items.map(({ session, due }) =>
        toChatSessionDto(session, counts.get(session.id) ?? 0, due),
      ),
    };
  }

  async get(session: Session): Promise<ChatSessionDto> {
    const counts = await this.messages.counts([session.id]);
    return toChatSessionDto(session, counts.get(session.id) ?? 0);
  }

  async close(session: Session): Promise<ChatSessionDto> {
    return this.get(await this.sessions.close(session));
  }

  /** The session's messages, oldest first (the hook checked read access). */
  history(session: Session, page: PageQuery): Promise<Page<ChatMessageDto>> {
    return paginate(
      page,
      {
        sort: 'created_at',
        fetch: (take, after) => this.messages.list(session.id, take, after),
        count: async () => (await this.messages.counts([session.id])).get(session.id) ?? 0,
      },
      toChatMessageDto,
    );
  }
}
