/**
 * The cascade's confidence signals: the geometric mean token probability, and agreement among k samples,
 * through real loopback OpenAI-compatible servers and the model layer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWithCascade } from '../../src/cascade/cascade.js';
import { agreement, logprobConfidence } from '../../src/cascade/confidence.js';
import { ModelHub } from '../../src/models/hub.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../support/fakeOpenAIServer.js';
import { startStandIns } from './standIns.js';

let standIns: Awaited<ReturnType<typeof startStandIns>>;
let varied: FakeOpenAIServer;
let hub: ModelHub;

beforeAll(async () => {
  standIns = await startStandIns();
  varied = await startFakeOpenAIServer({ thread: false }); // each sample says something else
  hub = new ModelHub({ cachePath: 'none', warn: () => {} });
});

afterAll(async () => {
  await hub?.close();
  await varied?.close();
  await standIns?.close();
});

describe('confidence signals', () => {
  it('agreement: the share of the most common answer, the first reached on a tie; unreadable answers do not vote', () => {
    expect(agreement(['a', 'b', 'a', 'c', 'a'])).toEqual({ winner: 0, confidence: 0.6 });
    expect(agreement(['b', 'a', 'a', 'b'])).toEqual({ winner: 0, confidence: 0.5 });
    expect(agreement([null, 'x', null])).toEqual({ winner: 1, confidence: 1 / 3 });
    expect(agreement([null, null])).toEqual({ winner: 0, confidence: 0 });
  });

  it('logprob: exp of the mean token log-probability; none without log-probabilities', () => {
    expect(
      logprobConfidence({
        text: 'ab',
        finishReason: 'stop',
        logprobs: [
          { token: 'a', logprob: Math.log(0.5) },
          { token: 'b', logprob: Math.log(0.125) },
        ],
      }),
    ).toBeCloseTo(0.25, 10);
    expect(logprobConfidence({ text: 'ab', finishReason: 'stop' })).toBeNull();
  });

  it('with the agreement signal, samples that agree keep the answer with the student and samples that differ escalate', async () => {
    const teacher = await hub.model(`openai:teacher@${standIns.teacher.url}`);
    const steady = await hub.model(`openai:student@${standIns.student.url}`);
    const request = { messages: [{ role: 'user' as const, content: 'What is 3 + 4?' }], temperature: 0 };
    const kept = await answerWithCascade({ student: steady, teacher, threshold: 0.8, signal: 'agreement', samples: 4 }, request);
    expect(kept).toMatchObject({ answeredBy: 'student', confidence: 1 });
    expect(kept.response.usage.completionTokens).toBeGreaterThan(kept.response.completions[0]!.text.split(' ').length); // all four samples counted

    const wavering = await hub.model(`openai:wavering@${varied.url}`);
    const escalated = await answerWithCascade({ student: wavering, teacher, threshold: 0.8, signal: 'agreement', samples: 4 }, request);
    expect(escalated).toMatchObject({ answeredBy: 'teacher', confidence: 0.25 });
    expect(escalated.response.completions[0]!.text).toBe('The answer is 7.');
  });
});
