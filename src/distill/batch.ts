/**
 * Teacher annotation through the OpenAI Batch API, for jobs too large (or too cheap to wait for)
 * to run live: write the requests as JSONL, upload the file, create a batch, poll it, download
 * the output and error files and ingest them as annotation records. Per split, the state lives in
 * `<out>/<split>/batch/state.json`, so the same command run again picks up a submitted batch instead
 * of paying for it twice, and resubmits only inputs that are still missing or failed.
 *
 * Batch calls do not pass through the ModelHub's middleware (the Batch API is not a per-call
 * endpoint): there is no cache, and `--budget` is checked against a worst-case estimate before
 * submitting. Cost is the price table's, times the Batch API's discount.
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import OpenAI, { toFile } from 'openai';
import type { Example } from '../data/types.js';
import { ModelError, type ModelErrorKind } from '../models/errors.js';
import { costOf, type Pricer } from '../models/pricing.js';
import { parseModelSpec } from '../models/spec.js';
import type { TokenUsage } from '../models/types.js';
import { InputError } from '../util/errors.js';
import { annotationFromOutputs, type AnnotationRecord, failedAnnotation } from './annotation.js';
import { type AnnotateConfig, type AnnotateResult, finishAnnotation, prepareAnnotation, type SplitJob } from './annotate.js';
import { OPENAI_BATCH_LIMITS, requestIds, saveAndReadLines, writeRequestFiles } from './batchFiles.js';
import { redactSecrets } from '../util/redact.js';

/** OpenAI bills Batch API tokens at half the synchronous price. */
export const BATCH_DISCOUNT = 0.5;
/** OpenAI's limit on requests per batch. */
export const MAX_REQUESTS_PER_BATCH = OPENAI_BATCH_LIMITS.maxRequests;
const ENDPOINT = '/v1/chat/completions';
const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

export interface BatchOptions {
  pricer: Pricer;
  apiKey?: string;
  env?: NodeJS.ProcessEnv;
  /** Seconds between status checks. Default 30. */
  pollSeconds?: number;
  /** false: submit and return; run the same command later to collect. Default true. */
  wait?: boolean;
  maxRequestsPerBatch?: number;
  /** Bytes per batch input file. Default OpenAI's 200 MB (counted as 200,000,000). */
  maxBytesPerBatch?: number;
  budgetUsd?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Progress lines (submitted, status changes, ingested). Default stderr. */
  log?: (message: string) => void;
}

interface BatchEntry {
  id: string;
  inputFileId: string;
  requestsFile: string;
  requests: number;
  status: string;
  outputFileId?: string | null;
  errorFileId?: string | null;
  ingested: boolean;
}

interface BatchState {
  batches: BatchEntry[];
}

/** One line of the requests file. */
export interface BatchRequestLine {
  custom_id: string;
  method: 'POST';
  url: typeof ENDPOINT;
  body: Record<string, unknown>;
}

export async function annotateBatch(config: AnnotateConfig, options: BatchOptions): Promise<AnnotateResult> {
  const spec = parseModelSpec(config.teacher, 'teacher');
  if (spec.provider !== 'openai') {
    throw new InputError(`--batch-api needs an openai: teacher (the OpenAI Batch API), not "${config.teacher}"`, { field: 'teacher' });
  }
  const env = options.env ?? process.env;
  const baseURL = spec.baseURL ?? (env.OPENAI_BASE_URL || undefined);
  const apiKey = options.apiKey || env.OPENAI_API_KEY || (baseURL ? 'not-needed' : undefined);
  if (!apiKey) throw new InputError('no OpenAI API key: set OPENAI_API_KEY or pass --api-key', { field: 'api-key' });
  const client = new OpenAI({ apiKey, baseURL, maxRetries: 4 });
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = (options.pollSeconds ?? 30) * 1000;
  const wait = options.wait ?? true;

  const prepared = await prepareAnnotation(config, 'batch');
  const task = prepared.dataset.task;
  const records: Record<string, AnnotationRecord[]> = {};
  const pending: string[] = [];

  for (const job of prepared.jobs) {
    const dir = join(job.runDir.dir, 'batch');
    mkdirSync(dir, { recursive: true });
    const statePath = join(dir, 'state.json');
    const state: BatchState = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as BatchState) : { batches: [] };
    const save = () => writeFileSync(statePath, redactSecrets(JSON.stringify(state, null, 2)) + '\n');
    const current = new Map<number, AnnotationRecord>(job.runDir.existing);
    const byCustomId = new Map(job.examples.map((example) => [customId(job.split, example), example]));

    const collect = async (entry: BatchEntry): Promise<void> => {
      let batch = await call(() => client.batches.retrieve(entry.id), `retrieving batch ${entry.id}`);
      while (!TERMINAL.has(batch.status)) {
        if (batch.status !== entry.status) {
          entry.status = batch.status;
          save();
          log(`batch ${entry.id} (${job.split}): ${batch.status}, ${batch.request_counts?.completed ?? 0}/${entry.requests} done`);
        }
        if (!wait) return;
        await sleep(pollMs);
        batch = await call(() => client.batches.retrieve(entry.id), `retrieving batch ${entry.id}`);
      }
      entry.status = batch.status;
      entry.outputFileId = batch.output_file_id ?? null;
      entry.errorFileId = batch.error_file_id ?? null;
      let ingested = 0;
      for (const fileId of [entry.outputFileId, entry.errorFileId]) {
        if (!fileId) continue;
        // Streamed: an output file of 50,000 long answers is never one string.
        await call(async () => {
          const response = await client.files.content(fileId);
          for await (const line of saveAndReadLines(response.body, join(dir, `${fileId}.jsonl`), redactSecrets)) {
            if (!line.trim()) continue;
            const record = recordFromLine(line, byCustomId, job, task, spec.model, options.pricer, `${fileId}.jsonl`);
            if (!record) continue;
            job.runDir.append(record);
            current.set(record.index, record);
            ingested++;
          }
        }, `downloading file ${fileId}`);
      }
      entry.ingested = true;
      save();
      log(`batch ${entry.id} (${job.split}): ${batch.status}; ingested ${ingested} of ${entry.requests} answers`);
      if (batch.status === 'failed') {
        const why = batch.errors?.data?.map((e) => e.message).join('; ') || 'no reason given';
        throw new ModelError('bad_request', `batch ${entry.id} failed: ${why}`);
      }
    };

    for (const entry of state.batches.filter((b) => !b.ingested)) await collect(entry);

    // Inputs in a submitted batch not yet ingested are not asked again: a run stopped part-way through
    // submitting, or run again with --no-wait, submits only the rest.
    const inFlight = new Set<string>();
    for (const entry of state.batches.filter((b) => !b.ingested)) {
      for await (const id of requestIds(requestsFileOf(entry, dir))) inFlight.add(id);
    }
    const todo = job.examples.filter((example) => {
      const record = current.get(example.index);
      return (!record || record.error) && !inFlight.has(customId(job.split, example));
    });
    if (todo.length > 0) {
      const first = state.batches.length;
      const worstCase = { promptChars: 0, completionTokens: 0 };
      const lines = function* () {
        for (const example of todo) {
          const line = requestLine(job, example, spec.model);
          worstCase.promptChars += (line.body.messages as { content: string }[]).reduce((sum, m) => sum + m.content.length, 0);
          worstCase.completionTokens += (line.body.max_tokens as number) * (line.body.n as number);
          yield line;
        }
      };
      const files = writeRequestFiles(lines(), (n) => join(dir, `requests-${first + n}.jsonl`), {
        maxRequests: options.maxRequestsPerBatch ?? OPENAI_BATCH_LIMITS.maxRequests,
        maxBytes: options.maxBytesPerBatch ?? OPENAI_BATCH_LIMITS.maxBytes,
      });
      checkBudget(worstCase, todo.length, spec.model, options);
      for (const part of files) {
        const file = await call(
          async () => client.files.create({ file: await toFile(createReadStream(part.path), 'requests.jsonl'), purpose: 'batch' }),
          'uploading the requests file',
        );
        const batch = await call(
          () => client.batches.create({ input_file_id: file.id, endpoint: ENDPOINT, completion_window: '24h', metadata: { split: job.split } }),
          'creating the batch',
        );
        const entry: BatchEntry = {
          id: batch.id,
          inputFileId: file.id,
          requestsFile: part.path,
          requests: part.requests,
          status: batch.status,
          ingested: false,
        };
        state.batches.push(entry);
        save();
        log(`batch ${batch.id} (${job.split}): submitted ${part.requests} requests (${(part.bytes / 1e6).toFixed(1)} MB)`);
      }
      for (const entry of state.batches.filter((b) => !b.ingested)) await collect(entry);
    }
    pending.push(...state.batches.filter((b) => !b.ingested).map((b) => b.id));
    records[job.split] = job.examples.flatMap((example) => {
      const record = current.get(example.index);
      return record ? [record] : [];
    });
  }
  const { splits, manifest } = finishAnnotation(config, prepared, 'batch', records);
  return { out: resolve(config.out), teacher: config.teacher, method: 'batch', splits, manifest, ...(pending.length ? { pending } : {}) };
}

/** The requests file of a batch entry; state written before the folder moved still finds it beside state.json. */
function requestsFileOf(entry: BatchEntry, dir: string): string {
  if (existsSync(entry.requestsFile)) return entry.requestsFile;
  const beside = join(dir, basename(entry.requestsFile));
  if (existsSync(beside)) return beside;
  throw new InputError(
    `the requests file of submitted batch ${entry.id} is missing (${entry.requestsFile}); it is needed to know which inputs that batch covers`,
    {
      file: join(dir, 'state.json'),
      field: 'requestsFile',
    },
  );
}

function customId(split: string, example: Example): string {
  return `${split}:${example.index}`;
}

export function requestLine(job: SplitJob, example: Example, model: string): BatchRequestLine {
  const request = job.request(example);
  const body: Record<string, unknown> = {
    model,
    messages: request.messages,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    n: request.n,
  };
  if (request.stop.length) body.stop = request.stop.slice(0, 4); // the API takes at most 4 stop strings
  return { custom_id: customId(job.split, example), method: 'POST', url: ENDPOINT, body };
}

/** One line of an output or error file as an annotation record; null for a line that is not ours. */
function recordFromLine(
  line: string,
  byCustomId: Map<string, Example>,
  job: Pick<SplitJob, 'split' | 'read'>,
  task: Parameters<typeof annotationFromOutputs>[0],
  model: string,
  pricer: Pricer,
  file: string,
): AnnotationRecord | null {
  let row: {
    custom_id?: string;
    response?: {
      status_code?: number;
      body?: {
        choices?: { index?: number; message?: { content?: string | null } }[];
        usage?: { prompt_tokens?: number; completion_tokens?: number };
        error?: { message?: string };
      };
    } | null;
    error?: { code?: string; message?: string } | null;
  };
  try {
    row = JSON.parse(line);
  } catch (error) {
    throw new ModelError('bad_response', `${file}: a line is not JSON: ${(error as Error).message}`);
  }
  const example = row.custom_id === undefined ? undefined : byCustomId.get(row.custom_id);
  if (!example) return null;
  const status = row.response?.status_code;
  const body = row.response?.body;
  const call = { prompt: null, usage: { promptTokens: 0, completionTokens: 0 }, costUsd: 0, latencyMs: 0, cached: false };
  if (status === 200 && Array.isArray(body?.choices) && body.choices.length > 0) {
    const usage: TokenUsage = { promptTokens: body.usage?.prompt_tokens ?? 0, completionTokens: body.usage?.completion_tokens ?? 0 };
    const outputs = [...body.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((choice) => choice.message?.content ?? '');
    return annotationFromOutputs(
      task,
      example,
      job.split,
      outputs,
      { ...call, usage, costUsd: pricer.cost('openai', model, usage) * BATCH_DISCOUNT },
      job.read(example),
    );
  }
  const kind: ModelErrorKind =
    status === undefined
      ? 'server'
      : status === 429
        ? 'rate_limit'
        : status >= 500
          ? 'server'
          : status === 401 || status === 403
            ? 'auth'
            : status === 200
              ? 'bad_response'
              : 'bad_request';
  const message = row.error?.message ?? body?.error?.message ?? `status ${status ?? 'unknown'} in the batch ${file}`;
  return failedAnnotation(example, job.split, { kind, message }, call);
}

/** Worst case: every prompt once (about 4 characters a token) and max_tokens for every sample. */
function checkBudget(worstCase: { promptChars: number; completionTokens: number }, requests: number, model: string, options: BatchOptions): void {
  if (options.budgetUsd === undefined) return;
  const price = options.pricer.priceOrWarn('openai', model);
  const worst = costOf(price, Math.ceil(worstCase.promptChars / 4), worstCase.completionTokens) * BATCH_DISCOUNT;
  if (worst > options.budgetUsd) {
    throw new InputError(
      `the batch could cost up to $${worst.toFixed(4)} (${requests} requests, worst case), more than --budget $${options.budgetUsd}; ` +
        'raise the budget or annotate fewer inputs (--limit / --sample)',
      { field: 'budget' },
    );
  }
}

async function call<T>(run: () => Promise<T>, what: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ModelError || error instanceof InputError) throw error;
    const status = (error as { status?: number }).status;
    const kind: ModelErrorKind =
      status === undefined ? 'network' : status === 429 ? 'rate_limit' : status >= 500 ? 'server' : status === 401 || status === 403 ? 'auth' : 'bad_request';
    throw new ModelError(kind, `Batch API: ${what} failed: ${(error as Error).message}`, { status, cause: error });
  }
}
