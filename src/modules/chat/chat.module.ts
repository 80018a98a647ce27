import { Module } from '@nestjs/common';
import { CasefilesModule } from '../casefiles';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { CHAT_MESSAGES_TOTAL, CHAT_TURN_DURATION } from './chat.metrics';
import { REDIS_CLIENT, type RedisClient } from '../../core/redis/redis.module';
import { Sql } from '../../platform/database/sql';
import { ChatController } from './chat.controller';
import { ChatMessagesRepository } from './chat-messages.repository';
import { ChatService } from './chat.service';
import { BuiltinChatModel } from './providers/builtin-chat-model';
import { CHAT_MODEL, type ChatModel } from './providers/chat-model';
import { OpenAiChatModel } from './providers/openai-chat-model';
import { ChatTurnsController } from './turns/chat-turns.controller';
import { ChatTurnsService } from './turns/chat-turns.service';
import { PgTurnSignals } from './turns/pg-turn-signals';
import { RedisTurnSignals } from './turns/redis-turn-signals';
import { TurnEventsRepository } from './turns/turn-events.repository';
import { TurnEventsSweeper } from './turns/turn-events-sweeper';
import { TurnFollower } from './turns/turn-follower';
import { TurnSignals } from './turns/turn-signals';
import { TurnToolCalls } from './turns/turn-tool-calls';
import { AuditModule } from '../audit';
import { ToolSessionsModule } from '../tool-sessions';
import { SessionsModule } from '../sessions';

/** The provider CHAT_PROVIDER names (API.md §6). */
function chatModelFor(config: AppConfig): ChatModel {
  const { provider, openaiBaseUrl, openaiApiKey, model, timeoutMs, maxTokens } = config.chat;
  switch (provider) {
    case 'builtin':
      return new BuiltinChatModel();
    case 'openai':
      // the configuration check made sure of a model
      return new OpenAiChatModel({
        baseUrl: openaiBaseUrl,
        apiKey: openaiApiKey,
        model: model as string,
        timeoutMs,
        maxTokens,
      });
  }
}

/** Fan-out of turn events to other instances: Redis pub/sub when configured, else LISTEN/NOTIFY. */
function turnSignalsFor(redis: RedisClient, sql: Sql, dataSource: DataSource): TurnSignals {
  return redis ? new RedisTurnSignals(redis) : new PgTurnSignals(sql, dataSource);
}

/** Chat sessions and turns (API.md §6), on the session core and the tool path. */
@Module({
  imports: [AuditModule, CasefilesModule, SessionsModule, ToolSessionsModule],
  controllers: [ChatTurnsController, ChatController],
  providers: [
    ChatService,
    ChatTurnsService,
    TurnFollower,
    TurnToolCalls,
    ChatMessagesRepository,
    TurnEventsRepository,
    TurnEventsSweeper,
    { provide: CHAT_MODEL, useFactory: chatModelFor, inject: [AppConfig] },
    { provide: TurnSignals, useFactory: turnSignalsFor, inject: [REDIS_CLIENT, Sql, DataSource] },
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
