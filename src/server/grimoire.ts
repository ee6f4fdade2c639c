/**
 * Serving a grimoire-boosted weak model: each request's question (the last user message of a chat, or
 * the prompt of a completion) picks a grimoire with the GrimoireSet (its saved ranker, else similarity),
 * and the weak model gets the paper-layout prompt with that grimoire instead of the client's messages.
 * The chosen grimoire is reported in the `x-apprentice-grimoire` header and, for non-streamed responses,
 * in a top-level `grimoire` field: `{ "id": "kmeans-4-profound", "by": "ranker" }`.
 */
import type { GrimoireSet } from '../grimoire/index.js';
import { ANSWER_STOPS } from '../grimoire/prompt.js';
import type { ChatMessage } from '../models/types.js';
import { ApiError } from './errors.js';
import type { RequestRouter } from './target.js';

export const GRIMOIRE_HEADER = 'x-apprentice-grimoire';
export const GRIMOIRE_BY_HEADER = 'x-apprentice-grimoire-by';

function lastUserMessage(messages: readonly ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') return messages[i]!.content;
  }
  return undefined;
}

export function grimoireRouter(set: GrimoireSet): RequestRouter {
  return async (request) => {
    const question = request.messages ? lastUserMessage(request.messages) : request.prompt;
    if (question === undefined || !question.trim()) {
      throw new ApiError(400, 'the question is the last user message, and there is none (or it is empty)', {
        param: request.messages ? 'messages' : 'prompt',
        code: 'invalid_value',
      });
    }
    const { messages, grimoire, by } = await set.prompt(question);
    // The client's sampling applies; its messages or prompt are replaced by the weak-model prompt.
    const { prompt: _prompt, messages: _messages, ...sampling } = request;
    return {
      request: { ...sampling, messages, stop: sampling.stop ?? ANSWER_STOPS },
      headers: { [GRIMOIRE_HEADER]: grimoire.id, [GRIMOIRE_BY_HEADER]: by },
      fields: { grimoire: { id: grimoire.id, by } },
    };
  };
}
