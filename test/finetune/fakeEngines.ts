/**
 * Loopback servers implementing the documented fine-tuning endpoints of OpenAI, Together and Fireworks
 * (request shapes checked, answers in each engine's shape), with a script of statuses a job goes through,
 * a rate limit (429 + Retry-After) on demand, and counts of uploads and submissions.
 */
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';

export interface FakeEngine {
  url: string;
  /** Uploads and job creations received. */
  counts: { uploads: number; creates: number; statusCalls: number; rateLimited: number };
  /** The bodies of job creations. */
  created: Array<Record<string, unknown>>;
  /** The next status calls answer 429 with Retry-After: 0 this many times. */
  rateLimitNext(times: number): void;
  close(): Promise<void>;
}

export interface FakeScript {
  /** Provider statuses the job reports, one per status call; the last one stays. */
  statuses: string[];
  /** Error text of a failed job. */
  error?: string;
  outputModel: string;
}

async function fileOf(request: FastifyRequest): Promise<{ fields: Record<string, string>; file: string; filename: string }> {
  const fields: Record<string, string> = {};
  let file = '';
  let filename = '';
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      file = (await part.toBuffer()).toString('utf8');
      filename = part.filename;
    } else fields[part.fieldname] = String(part.value);
  }
  return { fields, file, filename };
}

export async function startFakeEngine(kind: 'openai' | 'together' | 'fireworks', script: FakeScript): Promise<FakeEngine> {
  const app: FastifyInstance = Fastify({ logger: false });
  await app.register(multipart);
  const counts = { uploads: 0, creates: 0, statusCalls: 0, rateLimited: 0 };
  const created: Array<Record<string, unknown>> = [];
  let rateLimits = 0;
  const jobs = new Map<string, Record<string, unknown>>();
  const statusNow = () => script.statuses[Math.min(counts.statusCalls - 1, script.statuses.length - 1)]!;
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== 'Bearer test-key') return reply.code(401).send({ error: { message: 'bad key' } });
  });
  const limited = (reply: import('fastify').FastifyReply) => {
    if (rateLimits <= 0) return false;
    rateLimits -= 1;
    counts.rateLimited += 1;
    void reply
      .code(429)
      .header('retry-after', '0')
      .send({ error: { message: 'rate limited' } });
    return true;
  };

  if (kind === 'openai') {
    app.post('/v1/files', async (request, reply) => {
      const { fields, file, filename } = await fileOf(request);
      if (fields.purpose !== 'fine-tune' || !file) return reply.code(400).send({ error: { message: 'purpose and file required' } });
      counts.uploads += 1;
      return { id: `file-${counts.uploads}`, object: 'file', filename, purpose: 'fine-tune', bytes: file.length };
    });
    app.post('/v1/fine_tuning/jobs', async (request: FastifyRequest<{ Body: Record<string, unknown> }>, reply) => {
      if (typeof request.body.model !== 'string' || typeof request.body.training_file !== 'string')
        return reply.code(400).send({ error: { message: 'model and training_file required' } });
      counts.creates += 1;
      created.push(request.body);
      const job = { id: `ftjob-${counts.creates}`, metadata: request.body.metadata ?? null };
      jobs.set(job.id, job);
      return { ...job, object: 'fine_tuning.job', status: 'validating_files', fine_tuned_model: null };
    });
    app.get('/v1/fine_tuning/jobs', async () => ({ object: 'list', data: [...jobs.values()].map((job) => ({ ...job, status: 'queued' })), has_more: false }));
    app.get('/v1/fine_tuning/jobs/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      if (limited(reply)) return reply;
      if (!jobs.has(request.params.id)) return reply.code(404).send({ error: { message: 'no such job' } });
      counts.statusCalls += 1;
      const status = statusNow();
      return {
        ...jobs.get(request.params.id),
        object: 'fine_tuning.job',
        status,
        fine_tuned_model: status === 'succeeded' ? script.outputModel : null,
        trained_tokens: status === 'succeeded' ? 1234 : null,
        error: status === 'failed' ? { code: 'invalid_training_file', message: script.error ?? 'failed', param: null } : null,
      };
    });
  }

  if (kind === 'together') {
    app.post('/v1/files/upload', async (request, reply) => {
      const { fields, file } = await fileOf(request);
      if (fields.purpose !== 'fine-tune' || !fields.file_name || !file) return reply.code(400).send({ error: 'purpose, file_name and file required' });
      counts.uploads += 1;
      return { id: `file-${counts.uploads}`, object: 'file', filename: fields.file_name, purpose: 'fine-tune', Processed: true, FileType: 'jsonl' };
    });
    app.post('/v1/fine-tunes', async (request: FastifyRequest<{ Body: Record<string, unknown> }>, reply) => {
      if (typeof request.body.model !== 'string' || typeof request.body.training_file !== 'string')
        return reply.code(400).send({ error: 'model and training_file required' });
      counts.creates += 1;
      created.push(request.body);
      const job = { id: `ft-${counts.creates}`, suffix: request.body.suffix, model_output_name: `me/${request.body.model}-${request.body.suffix}` };
      jobs.set(job.id, job);
      return { ...job, status: 'pending' };
    });
    app.get('/v1/fine-tunes', async () => ({ data: [...jobs.values()].map((job) => ({ ...job, status: 'queued' })) }));
    app.get('/v1/fine-tunes/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      if (limited(reply)) return reply;
      if (!jobs.has(request.params.id)) return reply.code(404).send({ error: 'no such job' });
      counts.statusCalls += 1;
      const status = statusNow();
      return {
        ...jobs.get(request.params.id),
        status,
        token_count: 99,
        model_output_name: script.outputModel,
        events: status === 'error' ? [{ type: 'job_error', message: script.error ?? 'failed' }] : [],
      };
    });
  }

  if (kind === 'fireworks') {
    const datasets = new Map<string, { state: string; polls: number }>();
    app.post(
      '/v1/accounts/:account/datasets',
      async (request: FastifyRequest<{ Body: { datasetId?: string; dataset?: { userUploaded?: object } } }>, reply) => {
        if (!request.body.datasetId || !request.body.dataset?.userUploaded)
          return reply.code(400).send({ error: { message: 'datasetId and dataset.userUploaded required' } });
        datasets.set(request.body.datasetId, { state: 'UPLOADING', polls: 0 });
        return { name: `accounts/acct/datasets/${request.body.datasetId}`, state: 'UPLOADING' };
      },
    );
    app.post('/v1/accounts/:account/datasets/:action', async (request: FastifyRequest<{ Params: { action: string } }>, reply) => {
      const [id, verb] = request.params.action.split(':');
      if (verb !== 'upload' || !datasets.has(id!)) return reply.code(404).send({ error: { message: 'no such dataset' } });
      const { file } = await fileOf(request);
      if (!file) return reply.code(400).send({ error: { message: 'file required' } });
      counts.uploads += 1;
      datasets.get(id!)!.state = 'READY';
      return {};
    });
    app.get('/v1/accounts/:account/datasets/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => ({
      state: datasets.get(request.params.id)?.state ?? 'STATE_UNSPECIFIED',
    }));
    app.post(
      '/v1/accounts/:account/supervisedFineTuningJobs',
      async (request: FastifyRequest<{ Body: Record<string, unknown>; Querystring: { supervisedFineTuningJobId?: string } }>, reply) => {
        const id = request.query.supervisedFineTuningJobId ?? `job-${counts.creates + 1}`;
        if (jobs.has(id)) return reply.code(409).send({ error: { message: 'already exists' } });
        if (typeof request.body.dataset !== 'string' || typeof request.body.baseModel !== 'string')
          return reply.code(400).send({ error: { message: 'dataset and baseModel required' } });
        counts.creates += 1;
        created.push(request.body);
        const job = { name: `accounts/acct/supervisedFineTuningJobs/${id}` };
        jobs.set(id, job);
        return { ...job, state: 'JOB_STATE_CREATING' };
      },
    );
    app.get('/v1/accounts/:account/supervisedFineTuningJobs/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      if (limited(reply)) return reply;
      if (!jobs.has(request.params.id)) return reply.code(404).send({ error: { message: 'not found' } });
      counts.statusCalls += 1;
      const state = statusNow();
      return {
        ...jobs.get(request.params.id),
        state,
        outputModel: script.outputModel,
        status: state === 'JOB_STATE_FAILED' ? { code: 'INTERNAL', message: script.error ?? 'failed' } : { code: 'OK' },
      };
    });
  }

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    counts,
    created,
    rateLimitNext: (times) => {
      rateLimits = times;
    },
    close: () => app.close(),
  };
}
