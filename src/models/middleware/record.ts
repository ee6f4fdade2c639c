/**
 * Record middleware (`--record <file>`): every real successful call is appended to a JSONL file in
 * the recording format (core/recording.ts), replayable offline with `replay:<file>`.
 */
import { recordingEntry, type RecordingWriter } from '../core/recording.js';
import type { LanguageModel } from '../types.js';
import { wrapModel } from './wrap.js';

export function withRecording(model: LanguageModel, options: { writer: RecordingWriter }): LanguageModel {
  const { writer } = options;
  return wrapModel(model, async (kind, request, callOptions, next) => {
    const response = await next(request, callOptions);
    writer.append(recordingEntry(model.spec, kind, request, response));
    return response;
  });
}
