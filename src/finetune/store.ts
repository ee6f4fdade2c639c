/**
 * Where the fine-tuning API keeps what it is given and what it does: one folder,
 *   <dir>/fine-tuning.sqlite   files, jobs (with their training plan), events, checkpoints
 *   <dir>/files/<file id>      the uploaded bytes
 *   <dir>/jobs/<job id>/       the job's engine checkpoint (model/, with its resumable state) and the weights
 *                              of its newest checkpoints (checkpoints/step-<n>/)
 * Every write is committed before the API answers, so a server killed at any point loses no file or job.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FileObject, FineTuningJob, JobCheckpoint, JobEvent, JobStatus, TrainingPlan } from './types.js';

interface Row {
  body: string;
}

export class FineTuningStore {
  readonly dir: string;
  private readonly db: Database.Database;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'files'), { recursive: true });
    mkdirSync(join(dir, 'jobs'), { recursive: true });
    this.db = new Database(join(dir, 'fine-tuning.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS files (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, status TEXT NOT NULL,
        fine_tuned_model TEXT, body TEXT NOT NULL, plan TEXT);
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, job_id TEXT NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, job_id TEXT NOT NULL, body TEXT NOT NULL);
    `);
  }

  close(): void {
    this.db.close();
  }

  // Files.

  filePath(id: string): string {
    return join(this.dir, 'files', id);
  }

  addFile(file: FileObject, content: Buffer): void {
    writeFileSync(this.filePath(file.id), content);
    this.db.prepare('INSERT INTO files (id, body) VALUES (?, ?)').run(file.id, JSON.stringify(file));
  }

  file(id: string): FileObject | undefined {
    return this.body<FileObject>('SELECT body FROM files WHERE id = ?', id);
  }

  fileContent(id: string): Buffer {
    return readFileSync(this.filePath(id));
  }

  /** Newest first; only those of `purpose` when given. */
  files(purpose?: string): FileObject[] {
    const all = this.bodies<FileObject>('SELECT body FROM files ORDER BY seq DESC');
    return purpose === undefined ? all : all.filter((file) => file.purpose === purpose);
  }

  deleteFile(id: string): boolean {
    const removed = this.db.prepare('DELETE FROM files WHERE id = ?').run(id).changes > 0;
    if (removed) rmSync(this.filePath(id), { force: true });
    return removed;
  }

  // Jobs.

  jobDir(id: string): string {
    return join(this.dir, 'jobs', id);
  }

  addJob(job: FineTuningJob): void {
    this.db.prepare('INSERT INTO jobs (id, status, body) VALUES (?, ?, ?)').run(job.id, job.status, JSON.stringify(job));
  }

  /** Writes the job's new fields (and plan, when given) in one transaction. */
  updateJob(id: string, patch: Partial<FineTuningJob>, plan?: TrainingPlan): FineTuningJob {
    return this.db.transaction(() => {
      const job = { ...this.job(id)!, ...patch };
      this.db
        .prepare('UPDATE jobs SET status = ?, fine_tuned_model = ?, body = ?, plan = COALESCE(?, plan) WHERE id = ?')
        .run(job.status, job.fine_tuned_model, JSON.stringify(job), plan ? JSON.stringify(plan) : null, id);
      return job;
    })();
  }

  job(id: string): FineTuningJob | undefined {
    return this.body<FineTuningJob>('SELECT body FROM jobs WHERE id = ?', id);
  }

  plan(id: string): TrainingPlan | undefined {
    const row = this.db.prepare<[string], { plan: string | null }>('SELECT plan FROM jobs WHERE id = ?').get(id);
    return row?.plan ? (JSON.parse(row.plan) as TrainingPlan) : undefined;
  }

  /** Newest first, `limit` after the job `after` (OpenAI's cursor pagination). */
  jobs(after: string | undefined, limit: number): { data: FineTuningJob[]; hasMore: boolean } {
    return this.page<FineTuningJob>('jobs', undefined, after, limit);
  }

  /** Jobs in these states, oldest first (the order they run in). */
  jobsWithStatus(statuses: readonly JobStatus[]): FineTuningJob[] {
    const marks = statuses.map(() => '?').join(', ');
    return this.bodies<FineTuningJob>(`SELECT body FROM jobs WHERE status IN (${marks}) ORDER BY seq ASC`, ...statuses);
  }

  jobByModel(fineTunedModel: string): FineTuningJob | undefined {
    return this.body<FineTuningJob>('SELECT body FROM jobs WHERE fine_tuned_model = ?', fineTunedModel);
  }

  succeededJobs(): FineTuningJob[] {
    return this.jobsWithStatus(['succeeded']);
  }

  // Events and checkpoints.

  addEvent(jobId: string, event: JobEvent): void {
    this.db.prepare('INSERT INTO events (id, job_id, body) VALUES (?, ?, ?)').run(event.id, jobId, JSON.stringify(event));
  }

  events(jobId: string, after: string | undefined, limit: number): { data: JobEvent[]; hasMore: boolean } {
    return this.page<JobEvent>('events', jobId, after, limit);
  }

  /** Every event of a job, oldest first. */
  jobEvents(jobId: string): JobEvent[] {
    return this.bodies<JobEvent>('SELECT body FROM events WHERE job_id = ? ORDER BY seq ASC', jobId);
  }

  addCheckpoint(jobId: string, checkpoint: JobCheckpoint): void {
    this.db.prepare('INSERT OR IGNORE INTO checkpoints (id, job_id, body) VALUES (?, ?, ?)').run(checkpoint.id, jobId, JSON.stringify(checkpoint));
  }

  checkpoints(jobId: string, after: string | undefined, limit: number): { data: JobCheckpoint[]; hasMore: boolean } {
    return this.page<JobCheckpoint>('checkpoints', jobId, after, limit);
  }

  /** Every checkpoint of a job, the newest step first. */
  jobCheckpoints(jobId: string): JobCheckpoint[] {
    return this.bodies<JobCheckpoint>('SELECT body FROM checkpoints WHERE job_id = ?', jobId).sort((a, b) => b.step_number - a.step_number);
  }

  checkpointByModel(name: string): JobCheckpoint | undefined {
    return this.body<JobCheckpoint>("SELECT body FROM checkpoints WHERE json_extract(body, '$.fine_tuned_model_checkpoint') = ?", name);
  }

  deleteCheckpoint(id: string): void {
    this.db.prepare('DELETE FROM checkpoints WHERE id = ?').run(id);
  }

  /** The JSON bodies of the rows `sql` selects. */
  private bodies<T>(sql: string, ...values: Array<string | number>): T[] {
    return this.db
      .prepare<Array<string | number>, Row>(sql)
      .all(...values)
      .map((row) => JSON.parse(row.body) as T);
  }

  /** The JSON body of the first row `sql` selects. */
  private body<T>(sql: string, ...values: Array<string | number>): T | undefined {
    const row = this.db.prepare<Array<string | number>, Row>(sql).get(...values);
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  private page<T>(
    table: 'jobs' | 'events' | 'checkpoints',
    jobId: string | undefined,
    after: string | undefined,
    limit: number,
  ): { data: T[]; hasMore: boolean } {
    const conditions: string[] = [];
    const values: Array<string | number> = [];
    if (jobId !== undefined) {
      conditions.push('job_id = ?');
      values.push(jobId);
    }
    if (after !== undefined) {
      conditions.push(`seq < COALESCE((SELECT seq FROM ${table} WHERE id = ?), -1)`);
      values.push(after);
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.bodies<T>(`SELECT body FROM ${table} ${where} ORDER BY seq DESC LIMIT ?`, ...values, limit + 1);
    return { data: rows.slice(0, limit), hasMore: rows.length > limit };
  }
}
