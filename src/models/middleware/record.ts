/**
 * Record middleware (`--record <file>`): every real successful call is appended to a JSONL file
 * as `{ key, spec, kind, request, response }`, one line written per call so a crash loses
 * nothing, and replayable offline with `replay:<file>`.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { recordingKey } from '../hash.js';
import type { RecordingEntry } from '../providers/replay.js';
import type { LanguageModel } from '../types.js';
import { stripMeta, wrapModel } from './wrap.js';

export class RecordingWriter {
  readonly path: string;
  private fd: number | undefined;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  append(entry: RecordingEntry): void {
    if (this.fd === undefined) throw new Error(`recording ${this.path} is closed`);
    writeSync(this.fd, JSON.stringify(entry) + '\n');
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

export function withRecording(model: LanguageModel, options: { writer: RecordingWriter }): LanguageModel {
  const { writer } = options;
  return wrapModel(model, async (kind, request, callOptions, next) => {
    const response = await next(request, callOptions);
    writer.append({ key: recordingKey(kind, request), spec: model.spec, kind, request, response: stripMeta(response) });
    return response;
  });
}
