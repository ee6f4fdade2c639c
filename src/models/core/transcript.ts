/**
 * The plain transcript: chat messages as text for a model without a chat template, one
 * "role: content" line per message, ending with an open "assistant:" turn. The gguf provider renders
 * chat requests this way (after the BOS token), and the scaling family trains students on exactly it.
 */
import type { ChatMessage } from '../types.js';

export function plainTranscript(messages: readonly ChatMessage[]): string {
  return `${messages.map((message) => `${message.role}: ${message.content}\n`).join('')}assistant:`;
}
