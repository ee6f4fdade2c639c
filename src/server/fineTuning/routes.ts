/**
 * OpenAI's Files and fine-tuning routes over the local FineTuningService (src/finetune):
 *
 *   POST   /v1/files                                  multipart: file, purpose=fine-tune (validated)
 *   GET    /v1/files?purpose=, /v1/files/:id, /v1/files/:id/content
 *   DELETE /v1/files/:id
 *   POST   /v1/fine_tuning/jobs                       GET /v1/fine_tuning/jobs?after=&limit=
 *   GET    /v1/fine_tuning/jobs/:id                   POST /v1/fine_tuning/jobs/:id/cancel
 *   GET    /v1/fine_tuning/jobs/:id/events            GET /v1/fine_tuning/jobs/:id/checkpoints
 *
 * Errors answer in OpenAI's shape through the server's error handler.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FineTuningRequestError, type FineTuningService } from '../../finetune/service.js';
import type { Page } from '../../finetune/types.js';
import { ApiError } from '../errors.js';

/** Largest upload, in bytes. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

type WithId = FastifyRequest<{ Params: { id: string } }>;
type Listing = FastifyRequest<{ Params: { id: string }; Querystring: { after?: string; limit?: string } }>;

function pageLimit(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new ApiError(400, 'limit must be an integer from 1 to 100', { param: 'limit', code: 'invalid_value' });
  return limit;
}

function page<T>(result: { data: T[]; hasMore: boolean }): Page<T> {
  return { object: 'list', data: result.data, has_more: result.hasMore };
}

/** The service's refusals as the API's errors. */
function asApiError(error: unknown): unknown {
  if (error instanceof FineTuningRequestError) return new ApiError(error.status, error.message, { param: error.param, code: error.code });
  return error;
}

export async function registerFineTuningRoutes(app: FastifyInstance, service: FineTuningService): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: MAX_FILE_BYTES, files: 1 } });
    const guard =
      <R>(handler: (request: R) => unknown) =>
      async (request: R) => {
        try {
          return await handler(request);
        } catch (error) {
          throw asApiError(error);
        }
      };

    scope.post(
      '/v1/files',
      guard(async (request: FastifyRequest) => {
        if (!request.isMultipart()) throw new ApiError(400, 'upload the file as multipart/form-data with the fields "file" and "purpose"', { param: 'file' });
        let purpose: string | undefined;
        let upload: { filename: string; content: Buffer } | undefined;
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file') throw new ApiError(400, `unexpected file field "${part.fieldname}"`, { param: part.fieldname });
            upload = { filename: part.filename, content: await part.toBuffer() };
          } else if (part.fieldname === 'purpose') {
            purpose = String(part.value);
          }
        }
        if (!upload) throw new ApiError(400, 'the "file" field is missing', { param: 'file', code: 'missing_required_parameter' });
        if (purpose === undefined) throw new ApiError(400, 'the "purpose" field is missing', { param: 'purpose', code: 'missing_required_parameter' });
        return service.uploadFile(upload.filename, purpose, upload.content);
      }),
    );
    scope.get(
      '/v1/files',
      guard(async (request: FastifyRequest<{ Querystring: { purpose?: string } }>) => ({
        object: 'list',
        data: service.store.files(request.query.purpose),
        has_more: false,
      })),
    );
    scope.get(
      '/v1/files/:id',
      guard(async (request: WithId) => service.file(request.params.id)),
    );
    scope.get('/v1/files/:id/content', async (request: WithId, reply) => {
      try {
        service.file(request.params.id);
      } catch (error) {
        throw asApiError(error);
      }
      return reply.type('application/octet-stream').send(service.store.fileContent(request.params.id));
    });
    scope.delete(
      '/v1/files/:id',
      guard(async (request: WithId) => {
        service.file(request.params.id);
        service.store.deleteFile(request.params.id);
        return { id: request.params.id, object: 'file', deleted: true };
      }),
    );

    scope.post(
      '/v1/fine_tuning/jobs',
      guard(async (request: FastifyRequest) => service.createJob(request.body)),
    );
    scope.get(
      '/v1/fine_tuning/jobs',
      guard(async (request: Listing) => page(service.store.jobs(request.query.after, pageLimit(request.query.limit, 20)))),
    );
    scope.get(
      '/v1/fine_tuning/jobs/:id',
      guard(async (request: WithId) => service.job(request.params.id)),
    );
    scope.post(
      '/v1/fine_tuning/jobs/:id/cancel',
      guard(async (request: WithId) => service.cancel(request.params.id)),
    );
    scope.get(
      '/v1/fine_tuning/jobs/:id/events',
      guard(async (request: Listing) => {
        service.job(request.params.id);
        return page(service.store.events(request.params.id, request.query.after, pageLimit(request.query.limit, 20)));
      }),
    );
    scope.get(
      '/v1/fine_tuning/jobs/:id/checkpoints',
      guard(async (request: Listing) => {
        service.job(request.params.id);
        const result = page(service.store.checkpoints(request.params.id, request.query.after, pageLimit(request.query.limit, 10)));
        return { ...result, first_id: result.data[0]?.id ?? null, last_id: result.data[result.data.length - 1]?.id ?? null };
      }),
    );
  });
}
