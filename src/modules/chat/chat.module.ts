import { Module } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { AppConfig } from '../../config/app-config';
import { CHAT_MESSAGES_TOTAL, CHAT_TURN_DURATION } from '../../core/metrics/metric-names';
import { AuditModule } from '../audit/audit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { ToolSessionsModule } from '../tool-sessions/tool-sessions.module';
import { ChatController } from './chat.controller';
import { ChatMessagesRepository } from './chat-messages.repository';
import { ChatService } from './chat.service';
import { BuiltinChatModel } from './providers/builtin-chat-model';
import { CHAT_MODEL, type ChatModel } from './providers/chat-model';

/** The provider CHAT_PROVIDER names (API.md §6). */
function chatModelFor(config: AppConfig): ChatModel {
  switch (config.chat.provider) {
    case 'builtin':
      return new BuiltinChatModel();
    case 'openai':
      throw new Error('CHAT_PROVIDER=openai is not available yet; use builtin');
  }
}

/** Chat sessions and turns (API.md §6), on the session core and the tool path. */
@Module({
  imports: [AuditModule, SessionsModule, ToolSessionsModule],
  controllers: [ChatController],
  providers: [
    ChatService,
    ChatMessagesRepository,
    { provide: CHAT_MODEL, useFactory: chatModelFor, inject: [AppConfig] },
    makeCounterProvider({
      name: CHAT_MESSAGES_TOTAL,
      help: 'Chat turns (a user message and what it led to) by provider and outcome',
      labelNames: ['provider', 'status'],
    }),
    makeHistogramProvider({
      name: CHAT_TURN_DURATION,
      help: 'Chat turn duration in seconds by provider',
      labelNames: ['provider'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
    }),
  ],
})
export class ChatModule {}
