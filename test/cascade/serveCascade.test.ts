/**
 * `serve --cascade` in-process: the student answers when it is sure, the teacher otherwise; the response says
 * which (header and field, streamed too); with capture, the escalations are stored and `distill from-store
 * --answered-by teacher` keeps exactly them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromStore } from '../../src/distill/fromStore.js';
import { readAnnotations } from '../../src/distill/store.js';
import { ModelHub } from '../../src/models/hub.js';
import { captureTo, type Capture } from '../../src/server/capture/index.js';
import { cascadeAnswerer } from '../../src/server/cascade.js';
import { startApiServer, type RunningServer } from '../../src/server/index.js';
import { difficulty, startStandIns } from './standIns.js';

let dir: string;
let standIns: Awaited<ReturnType<typeof startStandIns>>;
let hub: ModelHub;
let server: RunningServer;
let capture: Capture;
let client: OpenAI;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apprentice-serve-cascade-'));
  standIns = await startStandIns();
  hub = new ModelHub({ cachePath: 'none', warn: () => {} });
  const student = await hub.model(`openai:student@${standIns.student.url}`);
  const teacher = await hub.model(`openai:teacher@${standIns.teacher.url}`);
  capture = captureTo(join(dir, 'store'));
  server = await startApiServer({
    model: student,
    name: 'cascade',
    port: 0,
    answerer: cascadeAnswerer({ student, teacher, threshold: 0.7, signal: 'logprob' }),
    capture: capture.sink,
  });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  capture?.close();
  await hub?.close();
  await standIns?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A question whose difficulty (standIns.ts) is d. */
function questionOf(d: number): { a: number; b: number } {
  for (let a = 3; ; a++) for (let b = 5; b < 15; b++) if (difficulty(a, b) === d) return { a, b };
}

describe('serve --cascade', () => {
  it('answers with the student when it is sure and with the teacher otherwise, saying which', async () => {
    const sure = questionOf(3);
    const { data, response } = await client.chat.completions
      .create({ model: 'cascade', messages: [{ role: 'user', content: `What is ${sure.a} + ${sure.b}?` }] })
      .withResponse();
    expect(response.headers.get('x-apprentice-answered-by')).toBe('student');
    expect(Number(response.headers.get('x-apprentice-confidence'))).toBeGreaterThanOrEqual(0.7);
    expect((data as unknown as { answered_by: string }).answered_by).toBe('student');
    expect(data.choices[0]!.message.content).toMatch(/^certain/);

    const unsure = questionOf(8);
    const escalated = await client.chat.completions
      .create({ model: 'cascade', messages: [{ role: 'user', content: `What is ${unsure.a} + ${unsure.b}?` }] })
      .withResponse();
    expect(escalated.response.headers.get('x-apprentice-answered-by')).toBe('teacher');
    expect(escalated.data.choices[0]!.message.content).toBe(`The answer is ${unsure.a + unsure.b}.`);
    expect((escalated.data as unknown as { cascade: { confidence: number; threshold: number } }).cascade.threshold).toBe(0.7);

    // Streamed: the header says who answered.
    const streamed = await client.chat.completions
      .create({ model: 'cascade', messages: [{ role: 'user', content: `What is ${unsure.a + 1} + ${unsure.b}?` }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of streamed.data) text += chunk.choices[0]?.delta.content ?? '';
    expect(['student', 'teacher']).toContain(streamed.response.headers.get('x-apprentice-answered-by'));
    expect(text.length).toBeGreaterThan(0);

    await expect(client.chat.completions.create({ model: 'cascade', messages: [{ role: 'user', content: 'What is 1 + 2?' }], n: 2 })).rejects.toMatchObject({
      status: 400,
      param: 'n',
    });
  });

  it('captures the escalations, and from-store --answered-by teacher keeps exactly them', async () => {
    const out = join(dir, 'escalations');
    fromStore({ store: join(dir, 'store'), out, filter: { answeredBy: 'teacher' }, heldOut: 0 });
    const records = Object.values(readAnnotations(out).splits).flat();
    expect(records.length).toBeGreaterThanOrEqual(1);
    for (const record of records) expect(record.output).toMatch(/^The answer is \d+\.$/);
  });
});
