/**
 * POST /v1/embeddings: the served model's embeddings through the model layer (a local model's own embedding
 * context, a remote model's embeddings endpoint), as floats or base64 (little-endian float32, as OpenAI sends).
 */
import type { FastifyInstance } from 'fastify';
import { disconnectSignal } from '../answer.js';
import { ApiError } from '../errors.js';
import { parseBody } from '../openaiShapes.js';
import { embeddingSchema } from '../schemas.js';
import type { RouteContext } from './context.js';

export function registerEmbeddingsRoute(app: FastifyInstance, shared: RouteContext): void {
  app.post('/v1/embeddings', async (request, reply) => {
    const body = parseBody(embeddingSchema, request.body);
    const context = await shared.servedFor(body.model);
    if (!context.model.capabilities.embed) {
      throw new ApiError(400, `${context.name} does not make embeddings`, { param: 'model', code: 'unsupported' });
    }
    const texts = typeof body.input === 'string' ? [body.input] : body.input;
    const response = await context.model.embed({ texts }, { signal: disconnectSignal(reply.raw) });
    const base64 = body.encoding_format === 'base64';
    return {
      object: 'list',
      model: context.name,
      data: response.vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
      })),
      usage: { prompt_tokens: response.usage.promptTokens, total_tokens: response.usage.promptTokens },
    };
  });
}
