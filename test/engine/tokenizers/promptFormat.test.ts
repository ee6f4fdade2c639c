import { describe, expect, it } from 'vitest';
import { trainTokenizer } from '../../../src/engine/tokenizer.js';
import { HfTokenizer } from '../../../src/engine/tokenizers/hfTokenizer.js';
import { ChatTemplate, encodePrompt, encodeRow, parsePromptFormat, renderRequest, stopTokenIds } from '../../../src/engine/tokenizers/promptFormat.js';
import { encodeExample } from '../../../src/engine/trainingData.js';
import { InputError } from '../../../src/util/errors.js';

const CHATML =
  "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** A small HF tokenizer: the engine's BPE written as tokenizer.json, with a ChatML template. */
function chatTokenizer(template = CHATML, config: Record<string, unknown> = {}): HfTokenizer {
  const bpe = trainTokenizer(['hello world, what is two plus two? four. be brief'], {
    vocabSize: 300,
    specialTokens: ['<|im_start|>', '<|im_end|>'],
  });
  return new HfTokenizer({
    tokenizerJson: bpe.toHfTokenizerJson() as unknown as Record<string, unknown>,
    tokenizerConfig: { bos_token: '<|bos|>', eos_token: '<|im_end|>', pad_token: '<|pad|>', add_bos_token: true, chat_template: template, ...config },
  });
}

const example = { prompt: 'what is two plus two?', completion: ' four.', weight: 1, task: 'default', source: { file: 'x', line: 1 } };

describe('prompt formats', () => {
  it('raw: [bos] prompt | completion eos, as the engine has always trained', () => {
    const bpe = trainTokenizer([example.prompt + example.completion], { vocabSize: 300 });
    const encoded = encodeExample(example, bpe, 64);
    expect(encoded.ids).toEqual([bpe.bosId, ...bpe.encode(example.prompt), ...bpe.encode(example.completion), bpe.eosId]);
    expect(encoded.completionStart).toBe(1 + bpe.encode(example.prompt).length);
    // Cut from the left of the prompt, keeping BOS.
    const completion = [...bpe.encode(example.completion), bpe.eosId];
    const short = encodeExample(example, bpe, completion.length + 2);
    expect(short.truncated).toBe(true);
    expect(short.ids).toEqual([bpe.bosId, ...bpe.encode(example.prompt).slice(-2), ...completion]);
    expect(short.ids[0]).toBe(bpe.bosId);
    expect(short.completionStart).toBe(3);
  });

  it('chat: the prompt is the template with the generation prompt; the completion ends at the end of turn', () => {
    const t = chatTokenizer();
    const format = { type: 'chat' as const, system: 'be brief' };
    const { promptIds, completionIds } = encodeRow(format, t, example);
    expect(t.decode(promptIds)).toBe(
      '<|bos|><|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nwhat is two plus two?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(promptIds[0]).toBe(t.bosId); // add_bos_token, and the template does not write it
    expect(t.decode(completionIds)).toBe(' four.<|im_end|>');
    expect(completionIds.at(-1)).toBe(t.tokenId('<|im_end|>'));
    const encoded = encodeExample(example, t, 128, format);
    expect(encoded.ids).toEqual([...promptIds, ...completionIds]);
    expect(encoded.completionStart).toBe(promptIds.length);
  });

  it('inference renders the same prompt tokens training saw, and --raw sends the text as it is', () => {
    const t = chatTokenizer();
    const format = { type: 'chat' as const, system: 'be brief' };
    const rendered = renderRequest(format, t, { prompt: example.prompt })!;
    expect(encodePrompt(t, rendered)).toEqual(encodeRow(format, t, example).promptIds);
    const viaMessages = renderRequest(format, t, { messages: [{ role: 'user', content: example.prompt }] })!;
    expect(viaMessages).toEqual(rendered);
    expect(renderRequest(format, t, { prompt: '<|im_start|>hi', raw: true })).toEqual({ text: '<|im_start|>hi', parseSpecial: false, addBos: t.addsBos });
    // A raw student gets the plain transcript for messages, never the chat template it was not trained on.
    expect(renderRequest({ type: 'raw' }, t, { messages: [{ role: 'user', content: 'x' }] })).toEqual({
      text: 'user: x\nassistant:',
      parseSpecial: false,
      addBos: t.addsBos,
    });
    expect(stopTokenIds(format, t)).toEqual([t.tokenId('<|im_end|>')]);
  });

  it('a template whose reply does not extend the prompt is an error naming chat_template', () => {
    const t = chatTokenizer("{% for m in messages %}{{ m.content }}{% endfor %}{% if add_generation_prompt %}{{ 'A:' }}{% endif %}");
    expect(() => encodeRow({ type: 'chat' }, t, example)).toThrow(/chat_template/);
  });

  it('reads the recorded format and rejects bad ones by field', () => {
    expect(parsePromptFormat(undefined, 'config.json')).toEqual({ type: 'raw' });
    expect(parsePromptFormat({ type: 'chat', system: 's' }, 'config.json')).toEqual({ type: 'chat', system: 's' });
    expect(() => parsePromptFormat({ type: 'chatml' }, 'config.json')).toThrow(InputError);
    expect(() => parsePromptFormat({ type: 'chat', system: 3 }, 'config.json')).toThrow(/apprentice\.promptFormat\.system/);
    expect(() => new ChatTemplate('{% for %}')).toThrow(/chat_template/);
  });
});
