/**
 * A real loopback HTTP server speaking the Anthropic Messages API (POST /v1/messages), for the
 * Anthropic provider's tests. Shares the HTTP core and the fault kinds of the fake OpenAI server.
 * Like the real API it refuses a `system` role inside `messages` and a missing max_tokens.
 */
import { fakeGenerate, fakeTokenize, startFakeHttpServer, type FakeServer, type FakeServerOptions } from './fakeOpenAIServer.js';

export type { Fault, FaultInfo } from './fakeOpenAIServer.js';

export type FakeAnthropicServerOptions = FakeServerOptions;

export interface FakeAnthropicServer extends FakeServer {
  /** Base URL for the Anthropic SDK / ANTHROPIC_BASE_URL (the origin; paths start with /v1). */
  readonly url: string;
}

function anthropicError(status: number, message: string): unknown {
  const type =
    status === 429
      ? 'rate_limit_error'
      : status === 529
        ? 'overloaded_error'
        : status === 401
          ? 'authentication_error'
          : status === 403
            ? 'permission_error'
            : status === 404
              ? 'not_found_error'
              : status >= 500
                ? 'api_error'
                : 'invalid_request_error';
  return { type: 'error', error: { type, message } };
}

const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((block) => (typeof block?.text === 'string' ? block.text : '')).join('') : '';

function messages(body: Record<string, unknown>) {
  const bad = (message: string) => ({ status: 400, body: anthropicError(400, message) });
  if (typeof body.max_tokens !== 'number') return bad('max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return bad('messages: at least one message is required');
  for (const message of body.messages) {
    if (message?.role !== 'user' && message?.role !== 'assistant') {
      return bad(`messages: Unexpected role "${String(message?.role)}". Use the top-level "system" parameter for system prompts.`);
    }
  }
  const lastUser = [...body.messages].reverse().find((m) => m?.role === 'user');
  const system = textOf(body.system);
  const full = `echo: ${textOf(lastUser?.content)}` + (system ? ` [system: ${system}]` : '');
  const stops = Array.isArray(body.stop_sequences) ? (body.stop_sequences as string[]) : [];
  const generated = fakeGenerate(full, stops, body.max_tokens);
  const matched =
    generated.finishReason === 'stop' && generated.text.length < full.length ? (stops.find((s) => full.startsWith(s, generated.text.length)) ?? null) : null;
  let inputTokens = fakeTokenize(system).length;
  for (const message of body.messages) inputTokens += fakeTokenize(textOf(message.content)).length;
  return {
    status: 200,
    body: {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text: generated.text }],
      stop_reason: generated.finishReason === 'length' ? 'max_tokens' : matched ? 'stop_sequence' : 'end_turn',
      stop_sequence: matched,
      usage: { input_tokens: inputTokens, output_tokens: generated.tokens.length },
    },
  };
}

export async function startFakeAnthropicServer(options: FakeAnthropicServerOptions = {}): Promise<FakeAnthropicServer> {
  const server = await startFakeHttpServer({
    ...options,
    errorBody: anthropicError,
    missingFieldsBody: () => ({ id: 'msg_fake', type: 'message', role: 'assistant' }),
    handle: (path, body) => (path === '/v1/messages' ? messages((body ?? {}) as Record<string, unknown>) : undefined),
  });
  return Object.assign(server, { url: server.origin }) as FakeAnthropicServer;
}
