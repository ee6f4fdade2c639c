import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../src/engine/checkpoint.js';
import { exportHf, exportOllama } from '../../src/engine/export.js';
import { readGguf } from '../../src/engine/formats/gguf.js';
import type { LlamaConfig } from '../../src/engine/formats/llamaGguf.js';
import { chatPieces, ollamaModelfile, renderPieces } from '../../src/engine/formats/ollamaModelfile.js';
import { parameterShapes } from '../../src/engine/model.js';
import { trainTokenizer } from '../../src/engine/tokenizer.js';
import { HfTokenizer } from '../../src/engine/tokenizers/hfTokenizer.js';
import { ChatTemplate } from '../../src/engine/tokenizers/promptFormat.js';
import { seededRandom, tinyTokenizer } from '../support/tinyGguf.js';

const CHATML =
  "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

function chatTokenizer(template = CHATML): HfTokenizer {
  const bpe = trainTokenizer(['hello world'], { vocabSize: 280, specialTokens: ['<|im_start|>', '<|im_end|>'] });
  return new HfTokenizer({
    tokenizerJson: bpe.toHfTokenizerJson() as unknown as Record<string, unknown>,
    tokenizerConfig: { bos_token: '<|bos|>', eos_token: '<|im_end|>', pad_token: '<|pad|>', chat_template: template },
  });
}

describe('Ollama Modelfile', () => {
  it('turns a ChatML template into a Go template over .Messages, with the system prompt and stop tokens', () => {
    const { text, templateFromJinja } = ollamaModelfile('m.gguf', { type: 'chat', system: 'Be brief.' }, chatTokenizer());
    expect(templateFromJinja).toBe(true);
    expect(text).toBe(
      'FROM ./m.gguf\n' +
        'TEMPLATE """{{ range $i, $_ := .Messages }}{{ $last := eq (len (slice $.Messages $i)) 1 }}' +
        '{{ if eq .Role "system" }}<|im_start|>system\n{{ .Content }}<|im_end|>\n' +
        '{{ else if eq .Role "user" }}<|im_start|>user\n{{ .Content }}<|im_end|>\n' +
        '{{ else if eq .Role "assistant" }}<|im_start|>assistant\n{{ .Content }}{{ if not $last }}<|im_end|>\n{{ end }}{{ end }}' +
        '{{ if and (ne .Role "assistant") $last }}<|im_start|>assistant\n{{ end }}{{ end }}"""\n' +
        'SYSTEM """Be brief."""\n' +
        'PARAMETER stop "<|im_end|>"\n',
    );
  });

  it('cuts a template into pieces that reproduce its rendering, and refuses one that depends on the contents', () => {
    const template = new ChatTemplate(CHATML);
    const render = (messages: Parameters<typeof renderPieces>[1], gen: boolean) => template.render(messages, { addGenerationPrompt: gen });
    const pieces = chatPieces((m, gen) => render(m, gen))!;
    const conversation = [
      { role: 'system' as const, content: 'x' },
      { role: 'user' as const, content: 'y' },
    ];
    expect(renderPieces(pieces, conversation)).toBe(render(conversation, true));
    const odd = new ChatTemplate(
      "{% for m in messages %}{% if m.content|length > 3 %}LONG{% endif %}{{ m.role + ':' + m.content + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}",
    );
    expect(chatPieces((m, gen) => odd.render(m, { addGenerationPrompt: gen }))).toBeUndefined();
    const { text, templateFromJinja } = ollamaModelfile('m.gguf', { type: 'chat' }, chatTokenizer(odd.source));
    expect(templateFromJinja).toBe(false);
    expect(text).not.toContain('TEMPLATE');
  });
});

describe('export --format ollama | hf', () => {
  let dir: string;
  let student: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apprentice-export-'));
    student = join(dir, 'student');
    const tokenizer = tinyTokenizer();
    const config: LlamaConfig = {
      vocabSize: tokenizer.vocabSize,
      dim: 16,
      nLayers: 1,
      nHeads: 2,
      nKvHeads: 1,
      hiddenDim: 32,
      normEps: 1e-5,
      ropeTheta: 10000,
      contextLength: 64,
      tiedEmbeddings: true,
    };
    const random = seededRandom(3);
    const weights = new Map(
      parameterShapes(config).map(({ name, shape }) => [name, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() - 0.5)]),
    );
    await saveCheckpoint(student, { config, weights, tokenizer, info: { seed: 3 } });
    await mkdir(join(student, 'training'));
    await writeFile(join(student, 'training', 'state.json'), '{}');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('ollama: the GGUF and a Modelfile in the raw prompt format', async () => {
    const result = await exportOllama(student, join(dir, 'ollama'), { dtype: 'f16' });
    expect(result.path).toBe(join(dir, 'ollama', 'student.gguf'));
    expect(await readFile(result.modelfile, 'utf8')).toBe('FROM ./student.gguf\nTEMPLATE """{{ .Prompt }}"""\nPARAMETER stop "<|eos|>"\n');
    const { metadata } = await readGguf(result.path);
    expect(metadata.get('tokenizer.ggml.add_bos_token')?.value).toBe(true);
  });

  it('hf: config, weights and tokenizer files, without the training state; it loads back the same', async () => {
    const out = join(dir, 'hf');
    const result = await exportHf(student, out);
    expect(result.files).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect((await readdir(out)).sort()).toEqual(result.files);
    const [a, b] = await Promise.all([loadCheckpoint(student), loadCheckpoint(out)]);
    expect(b.config).toEqual(a.config);
    expect([...b.weights.keys()]).toEqual([...a.weights.keys()]);
    for (const [name, w] of a.weights) expect(b.weights.get(name), name).toEqual(w);
    expect(b.tokenizer.encode('The quick brown fox')).toEqual(a.tokenizer.encode('The quick brown fox'));
    await expect(exportHf(student, student)).rejects.toThrow(/checkpoint itself/);
  });
});
