/**
 * Item 8 of issue 16: no secret in anything a run writes. An upstream error that echoes the API key,
 * and credentials in a base URL, must not reach the run folder's name or files, nor a recording.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEvalJob } from '../../src/eval/job.js';
import { ModelHub } from '../../src/models/hub.js';
import { writeScoreRows } from '../../src/scaling/writeScoreRows.js';
import { redactSecrets, REDACTED } from '../../src/util/redact.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { evalConfig, tempDirs, writeReviews } from './helpers.js';

const newDir = tempDirs();
const KEY = 'sk-test-0123456789abcdefSECRET';
const PASSWORD = 'hunter2-basic-pass';

const servers: FakeOpenAIServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** Every file path and file content under `dir`. */
function everything(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? [path, ...everything(path)] : [path, readFileSync(path, 'utf8')];
  });
}

describe('secrets are redacted in everything written', () => {
  it('score rows of a model served behind a URL with credentials', async () => {
    const dir = newDir();
    const model = `openai:qwen@https://alice:${PASSWORD}@models.example/v1`;
    for (const file of ['rows.csv', 'rows.json']) {
      await writeScoreRows(join(dir, file), [{ model, params: 1.5e9, task: 't', metric: 'accuracy', score: 0.5 }]);
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).toContain(`https://${REDACTED}@models.example`);
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('redactSecrets removes URL credentials and known keys, also JSON-escaped', () => {
    expect(redactSecrets('openai:m@https://user:pa55word@host/v1 said bad key abcdefgh12', ['abcdefgh12'])).toBe(
      `openai:m@https://${REDACTED}@host/v1 said bad key ${REDACTED}`,
    );
    expect(redactSecrets(JSON.stringify({ message: 'key "q\\uote"x1' }), ['"q\\uote"x1'])).toBe(JSON.stringify({ message: `key ${REDACTED}` }));
    expect(redactSecrets('mail me at someone@example.org, see https://example.org/a@b', [])).toBe(
      'mail me at someone@example.org, see https://example.org/a@b',
    );
  });

  it('an upstream error echoing the key and a base URL with credentials leave no trace in the run folder or recording', async () => {
    const server = await startFakeOpenAIServer({
      thread: false,
      fault: ({ index }) => (index === 0 ? { kind: 'status', status: 500, message: `upstream failed for key ${KEY}.` } : undefined),
    });
    servers.push(server);
    const dir = newDir();
    writeReviews(join(dir, 'reviews.jsonl'));
    const recordPath = join(dir, 'runs', 'calls.jsonl');
    const hub = new ModelHub({ cachePath: 'none', apiKey: KEY, maxRetries: 0, recordPath });
    const withCredentials = server.url.replace('http://', `http://alice:${PASSWORD}@`);
    const summaries = [];
    try {
      for (const url of [server.url, withCredentials]) {
        summaries.push((await runEvalJob(evalConfig(dir, { model: `openai:fake-model@${url}`, concurrency: 1 }), hub)).summary);
      }
    } finally {
      await hub.close();
    }
    // The key really was echoed by the upstream error (first call), and the run went on (a 401 would stop it: fatalErrors.test.ts).
    expect(summaries[0]).toMatchObject({ errors: 1, errorsByKind: { server: 1 }, scored: 1 });
    writeFileSync(join(dir, 'runs', 'stdout.json'), JSON.stringify(summaries)); // what `--json` prints
    const written = everything(join(dir, 'runs')).join('\n');
    expect(written).toContain(REDACTED);
    expect(written).not.toContain(KEY);
    expect(written).not.toContain(PASSWORD);
  });
});
