/**
 * The capture store (`serve --store <dir>`): every chat and completion exchange a server answered, in one
 * SQLite file `<dir>/exchanges.sqlite`, as OpenAI's `store: true` kept them: the request body, the whole
 * response (its non-streamed JSON form, also for streamed requests), the client's `metadata`, which model
 * answered, and when. Request headers are never stored, and every text goes through `redactSecrets`, so no
 * key (the upstream API key, the server key) reaches the file. `distill from-store` reads it back.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../util/errors.js';
import { redactSecrets } from '../util/redact.js';

export const CAPTURE_FILE = 'exchanges.sqlite';

export interface StoredExchange {
  id: number;
  /** ISO 8601, UTC. */
  createdAt: string;
  endpoint: 'chat.completions' | 'completions';
  /** The model id the client called. */
  model: string;
  /** Which model answered (the cascade's student or teacher); null for a plain proxy. */
  answeredBy: string | null;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
  metadata: Record<string, string>;
  streamed: boolean;
}

export type NewExchange = Omit<StoredExchange, 'id' | 'createdAt'> & { createdAt?: string };

/** Which exchanges to read: metadata key = value (all must match), and stored at or after `since`. */
export interface ExchangeFilter {
  where?: Record<string, string>;
  since?: string;
  /** Only exchanges a cascade answered this way ('teacher': the student's escalations). */
  answeredBy?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS exchanges (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  model TEXT NOT NULL,
  answered_by TEXT,
  request_json TEXT NOT NULL,
  response_json TEXT NOT NULL,
  metadata_json TEXT NOT NULL,
  streamed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS exchanges_created_at ON exchanges (created_at);
`;

interface Row {
  id: number;
  created_at: string;
  endpoint: string;
  model: string;
  answered_by: string | null;
  request_json: string;
  response_json: string;
  metadata_json: string;
  streamed: number;
}

export class CaptureStore {
  readonly path: string;
  private readonly db: Database.Database;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
  }

  /** Opens (creating) the store in `dir` for writing. */
  static create(dir: string): CaptureStore {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, CAPTURE_FILE);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA);
    return new CaptureStore(path, db);
  }

  /** Opens an existing store for reading. */
  static open(dir: string): CaptureStore {
    const path = join(dir, CAPTURE_FILE);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      db.prepare('SELECT 1 FROM exchanges LIMIT 1').get();
    } catch (error) {
      throw new InputError(`not a capture store (${(error as Error).message}); make one with \`apprentice serve <model> --store ${dir}\``, {
        file: path,
      });
    }
    return new CaptureStore(path, db);
  }

  add(exchange: NewExchange): void {
    const json = (value: unknown) => redactSecrets(JSON.stringify(value));
    this.db
      .prepare(
        `INSERT INTO exchanges (created_at, endpoint, model, answered_by, request_json, response_json, metadata_json, streamed)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        exchange.createdAt ?? new Date().toISOString(),
        exchange.endpoint,
        redactSecrets(exchange.model),
        exchange.answeredBy === null ? null : redactSecrets(exchange.answeredBy),
        json(exchange.request),
        json(exchange.response),
        json(exchange.metadata),
        exchange.streamed ? 1 : 0,
      );
  }

  /** Stored exchanges in the order they were stored, filtered. */
  read(filter: ExchangeFilter = {}): StoredExchange[] {
    if (filter.since !== undefined && Number.isNaN(Date.parse(filter.since))) {
      throw new InputError(`not an ISO 8601 date or time: ${filter.since}`, { field: 'since' });
    }
    const since = filter.since !== undefined ? new Date(filter.since).toISOString() : undefined;
    const rows = (
      since !== undefined
        ? this.db.prepare('SELECT * FROM exchanges WHERE created_at >= ? ORDER BY id').all(since)
        : this.db.prepare('SELECT * FROM exchanges ORDER BY id').all()
    ) as Row[];
    const exchanges = rows.map((row) => this.exchangeOf(row));
    const where = Object.entries(filter.where ?? {});
    return exchanges.filter(
      (exchange) =>
        where.every(([key, value]) => exchange.metadata[key] === value) &&
        (filter.answeredBy === undefined || exchange.answeredBy === filter.answeredBy),
    );
  }

  close(): void {
    this.db.close();
  }

  private exchangeOf(row: Row): StoredExchange {
    const parse = (text: string, column: string) => {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch (error) {
        throw new InputError(`exchange ${row.id}: ${column} is not JSON (${(error as Error).message})`, { file: this.path, field: column });
      }
    };
    return {
      id: row.id,
      createdAt: row.created_at,
      endpoint: row.endpoint === 'completions' ? 'completions' : 'chat.completions',
      model: row.model,
      answeredBy: row.answered_by,
      request: parse(row.request_json, 'request_json'),
      response: parse(row.response_json, 'response_json'),
      metadata: parse(row.metadata_json, 'metadata_json') as Record<string, string>,
      streamed: row.streamed === 1,
    };
  }
}
