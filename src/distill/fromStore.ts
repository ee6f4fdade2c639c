/**
 * `distill from-store`: captured traffic (serve --store, runs/captureStore.ts) as an annotations folder the
 * builders, `distill run`, `train` and the fine-tuning API take. Each stored conversation is one record: its
 * messages (or prompt) as the record's prompt, the captured answers as the teacher's samples. Duplicates are
 * collapsed: the same conversation stored again adds only answers not seen yet. Held-out splits
 * (`validation`, and `test` that students are measured on) are kept apart by a seeded hash of the
 * conversation, so a conversation never lands in two, whichever order or filter the traffic is read with.
 * The folder also holds every conversation as a dataset (dataset.jsonl, data/adapters/captured.ts), which
 * its manifest names with the digest of its content, so `distill run` tests on the `test` split.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CAPTURED_DATASET_FILE, CAPTURED_TASK, type CapturedExample, capturedDatasetSpec } from '../data/adapters/captured.js';
import type { Example } from '../data/types.js';
import type { ChatMessage } from '../models/types.js';
import { CaptureStore, type ExchangeFilter, type StoredExchange } from '../runs/captureStore.js';
import { openRunDir, SUMMARY_FILE } from '../runs/runDir.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { InputError } from '../util/errors.js';
import { isObject } from '../util/isObject.js';
import { type AnnotationRecord, annotationFromOutputs } from './annotation.js';
import { annotationStats, type AnnotationStats } from './stats.js';
import { type AnnotationManifest, writeManifest } from './store.js';

export { CAPTURED_TASK };

export interface FromStoreConfig {
  store: string;
  out: string;
  filter?: ExchangeFilter;
  /** Share of conversations held out as `validation`. Default 0.1. */
  heldOut?: number;
  /** Share of conversations held out as `test` (in the dataset only, never annotated for training). Default 0.1. */
  test?: number;
  /** Seed of the held-out hash. Default 0. */
  seed?: number;
}

export interface FromStoreResult {
  out: string;
  exchanges: number;
  conversations: number;
  /** Conversations in the dataset's test split (not annotated). */
  testConversations: number;
  splits: Record<string, AnnotationStats>;
  manifest: AnnotationManifest;
}

/** One conversation as stored: what the client sent and every distinct answer it got. */
interface Conversation {
  key: string;
  prompt: ChatMessage[] | string;
  outputs: string[];
  firstId: number;
}

export function fromStore(config: FromStoreConfig): FromStoreResult {
  const heldOut = config.heldOut ?? 0.1;
  if (!(heldOut >= 0 && heldOut < 1)) throw new InputError(`held-out share must be in [0, 1), got ${heldOut}`, { field: 'held-out' });
  const test = config.test ?? 0.1;
  if (!(test >= 0 && heldOut + test < 1))
    throw new InputError(`test share must be at least 0 and leave conversations to train on (held-out + test < 1), got ${test}`, { field: 'test' });
  const seed = config.seed ?? 0;
  const store = CaptureStore.open(config.store);
  let exchanges: StoredExchange[];
  try {
    exchanges = store.read(config.filter);
  } finally {
    store.close();
  }
  const conversations = collapse(exchanges, store.path);
  const bySplit: Record<SplitName, Conversation[]> = { train: [], validation: [], test: [] };
  for (const conversation of conversations) bySplit[splitOf(conversation.key, seed, heldOut, test)].push(conversation);

  const identity = {
    method: 'from-store',
    store: resolve(config.store),
    filter: config.filter ?? {},
    heldOut,
    ...(test ? { test } : {}),
    seed,
    content: sha256Hex(canonicalJson(conversations.map((c) => [c.key, c.outputs]))),
  };
  const splits: Record<string, AnnotationStats> = {};
  for (const split of ['train', 'validation'] as const) {
    const items = bySplit[split];
    const runDir = openRunDir<AnnotationRecord>(join(config.out, split), {
      identity: { ...identity, split },
      resolved: { command: 'distill from-store', task: CAPTURED_TASK, store: config.store },
    });
    try {
      const records = items.map((conversation, index) => {
        const previous = runDir.existing.get(index);
        if (previous) return previous;
        const record = recordOf(conversation, index, split);
        runDir.append(record);
        return record;
      });
      splits[split] = annotationStats(records, items.length, CAPTURED_TASK);
      runDir.writeJson(SUMMARY_FILE, splits[split]);
    } finally {
      runDir.release();
    }
  }
  const dataset = writeDataset(config.out, bySplit);
  const manifest = writeManifest(config.out, {
    task: CAPTURED_TASK,
    dataset,
    method: 'import',
    teacher: teacherOf(exchanges),
    settings: { store: config.store, filter: config.filter ?? {}, heldOut, test, seed, exchanges: exchanges.length, testConversations: bySplit.test.length },
    splits,
  });
  return {
    out: resolve(config.out),
    exchanges: exchanges.length,
    conversations: conversations.length,
    testConversations: bySplit.test.length,
    splits,
    manifest,
  };
}

type SplitName = 'train' | 'validation' | 'test';

/** Seeded hash of the conversation, as a number in [0, 1). */
function hashUnit(key: string, seed: number): number {
  return parseInt(sha256Hex(`${seed}\u0000${key}`).slice(0, 12), 16) / 2 ** 48;
}

/** Below `share` is held out as validation. */
export function isHeldOut(key: string, seed: number, share: number): boolean {
  return hashUnit(key, seed) < share;
}

/** [0, heldOut) is validation and [heldOut, heldOut + test) is test, so validation does not move when the test share changes. */
export function splitOf(key: string, seed: number, heldOut: number, test: number): SplitName {
  const unit = hashUnit(key, seed);
  return unit < heldOut ? 'validation' : unit < heldOut + test ? 'test' : 'train';
}

/** dataset.jsonl: every conversation with its split and, as target, its first captured answer; returns its spec. */
function writeDataset(out: string, bySplit: Record<SplitName, Conversation[]>): string {
  const lines: string[] = [];
  for (const [split, items] of Object.entries(bySplit)) {
    for (const conversation of items) {
      const line: CapturedExample = {
        split,
        id: idOf(conversation),
        input: inputOfPrompt(conversation.prompt),
        target: conversation.outputs[0] ?? '',
        prompt: conversation.prompt,
      };
      lines.push(JSON.stringify(line));
    }
  }
  const content = lines.length ? lines.join('\n') + '\n' : '';
  writeFileSync(join(out, CAPTURED_DATASET_FILE), content);
  return capturedDatasetSpec(out, content);
}

function idOf(conversation: Conversation): string {
  return `conversation-${sha256Hex(conversation.key).slice(0, 12)}`;
}

function inputOfPrompt(prompt: ChatMessage[] | string): string {
  return typeof prompt === 'string' ? prompt : inputOf(prompt);
}

function collapse(exchanges: StoredExchange[], file: string): Conversation[] {
  const byKey = new Map<string, Conversation>();
  for (const exchange of exchanges) {
    for (const { prompt, outputs } of conversationsOf(exchange, file)) {
      const key = canonicalJson(prompt);
      const known = byKey.get(key);
      if (!known) byKey.set(key, { key, prompt, outputs: [...new Set(outputs)], firstId: exchange.id });
      else for (const output of outputs) if (!known.outputs.includes(output)) known.outputs.push(output);
    }
  }
  return [...byKey.values()].sort((a, b) => a.firstId - b.firstId);
}

/** The conversations of one exchange: a chat's messages, or each prompt of a completion request, with their answers. */
function conversationsOf(exchange: StoredExchange, file: string): Array<{ prompt: ChatMessage[] | string; outputs: string[] }> {
  const fail = (why: string): never => {
    throw new InputError(`exchange ${exchange.id}: ${why}`, { file });
  };
  const choices = Array.isArray(exchange.response.choices) ? exchange.response.choices.filter(isObject) : fail('the response has no choices');
  if (exchange.endpoint === 'chat.completions') {
    const messages = Array.isArray(exchange.request.messages) ? exchange.request.messages : fail('the request has no messages');
    const prompt = messages.map((message: unknown): ChatMessage => {
      if (!isObject(message) || typeof message.role !== 'string') return fail('a message has no role');
      const content =
        typeof message.content === 'string'
          ? message.content
          : Array.isArray(message.content)
            ? message.content.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('')
            : fail('a message has no content');
      const role = message.role === 'developer' ? 'system' : message.role;
      if (role !== 'system' && role !== 'user' && role !== 'assistant') return fail(`unknown role ${message.role}`);
      return { role, content };
    });
    const outputs = choices.map((choice) =>
      isObject(choice.message) && typeof choice.message.content === 'string' ? choice.message.content : fail('a choice has no message content'),
    );
    return [{ prompt, outputs }];
  }
  const prompts =
    typeof exchange.request.prompt === 'string'
      ? [exchange.request.prompt]
      : Array.isArray(exchange.request.prompt)
        ? exchange.request.prompt.map(String)
        : fail('the request has no prompt');
  const n = typeof exchange.request.n === 'number' ? exchange.request.n : 1;
  const echo = exchange.request.echo === true;
  return prompts.map((prompt, p) => ({
    prompt,
    outputs: choices.slice(p * n, (p + 1) * n).map((choice) => {
      const text = typeof choice.text === 'string' ? choice.text : fail('a choice has no text');
      return echo && text.startsWith(prompt) ? text.slice(prompt.length) : text;
    }),
  }));
}

function recordOf(conversation: Conversation, index: number, split: string): AnnotationRecord {
  const { prompt } = conversation;
  const example: Example = {
    index,
    id: idOf(conversation),
    input: inputOfPrompt(prompt),
    target: '',
    raw: {},
  };
  const record = annotationFromOutputs(CAPTURED_TASK, example, split, conversation.outputs);
  return { ...record, prompt };
}

/** A conversation's input as text: the user message of a one-turn chat, otherwise every turn labelled. */
function inputOf(messages: ChatMessage[]): string {
  const turns = messages.filter((message) => message.role !== 'system');
  if (turns.length === 1 && turns[0]!.role === 'user' && messages.length === 1) return turns[0]!.content;
  return messages.map((message) => `${message.role}: ${message.content}`).join('\n');
}

function teacherOf(exchanges: StoredExchange[]): string {
  const models = [...new Set(exchanges.map((exchange) => exchange.answeredBy ?? exchange.model))];
  return models.join(', ') || 'none';
}
