/**
 * The benchmark's yardstick, not part of the product: a bare NestJS app on Express with a pg
 * pool and three routes: a hello without the database, one single-row read and one single-row
 * insert into the same tables the product uses. No guards, interceptors, validation, envelope or
 * logging — what the product's figures are divided by.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Injectable, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';

@Injectable()
class Database {
  readonly pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
}

@Controller()
class BaselineController {
  constructor(private readonly db: Database) {}

  /** What `/health/live` is divided by: the framework alone, no database. */
  @Get('hello')
  hello(): unknown {
    return { status: 'ok' };
  }

  @Get('rows/:id')
  async read(@Param('id') id: string): Promise<unknown> {
    const { rows } = await this.db.pool.query(
      'SELECT id, title, description, tags, owner_id, version, created_at, updated_at FROM casefiles WHERE id = $1',
      [id],
    );
    return rows[0] ?? null;
  }

  @Post('rows')
  async insert(@Body() body: { title: string; owner_id: string }): Promise<unknown> {
    const { rows } = await this.db.pool.query(
      `INSERT INTO casefiles (id, owner_id, title) VALUES ($1, $2, $3)
       RETURNING id, title, description, tags, owner_id, version, created_at, updated_at`,
      [randomUUID(), body.owner_id, body.title],
    );
    return rows[0];
  }
}

@Module({ controllers: [BaselineController], providers: [Database] })
class BaselineModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(BaselineModule, { logger: ['error'] });
  await app.listen(Number(process.env.PORT ?? 3100), '127.0.0.1');
  process.send?.('ready');
}

void main();
