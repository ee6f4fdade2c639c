/**
 * The hosted engines by name, with their endpoints and keys from the usual environment variables:
 *   openai     https://api.openai.com/v1       OPENAI_API_KEY     (stops taking new jobs on 2027-01-06)
 *   together   https://api.together.xyz/v1     TOGETHER_API_KEY
 *   fireworks  https://api.fireworks.ai/v1     FIREWORKS_API_KEY, FIREWORKS_ACCOUNT_ID (or --account)
 *   local      http://127.0.0.1:8080/v1        APPRENTICE_SERVER_KEY when the server has one
 * (`local` is `apprentice serve --fine-tuning`, which answers OpenAI's routes.)
 */
import { InputError } from '../../util/errors.js';
import { registerSecret } from '../../util/redact.js';
import type { EngineName, HostedEngine } from './engine.js';
import { fireworksEngine } from './fireworksEngine.js';
import { httpClient, type HttpOptions } from './http.js';
import { openaiEngine } from './openaiEngine.js';
import { togetherEngine } from './togetherEngine.js';

export const DEFAULT_BASE_URLS: Record<EngineName, string> = {
  openai: 'https://api.openai.com/v1',
  together: 'https://api.together.xyz/v1',
  fireworks: 'https://api.fireworks.ai/v1',
  local: 'http://127.0.0.1:8080/v1',
};

export const KEY_VARIABLES: Record<EngineName, string> = {
  openai: 'OPENAI_API_KEY',
  together: 'TOGETHER_API_KEY',
  fireworks: 'FIREWORKS_API_KEY',
  local: 'APPRENTICE_SERVER_KEY',
};

export const OPENAI_FINE_TUNING_CUTOFF = '2027-01-06';

export interface EngineSettings {
  name: EngineName;
  /** Overrides the engine's endpoint (a proxy, a test server). */
  baseUrl?: string;
  env?: NodeJS.ProcessEnv;
  /** Fireworks account id (default FIREWORKS_ACCOUNT_ID). */
  account?: string;
  /** Together: LoRA (the default) or full fine-tuning. */
  lora?: boolean;
  /** Where the trained model answers (Together, Fireworks), when not the public endpoint. */
  inferenceUrl?: string;
  http?: Pick<HttpOptions, 'maxRetries' | 'baseDelayMs' | 'sleep' | 'onRetry'>;
  sleep?: (ms: number) => Promise<void>;
}

export function createEngine(settings: EngineSettings): { engine: HostedEngine; baseUrl: string; apiKey: string } {
  const env = settings.env ?? process.env;
  const baseUrl = (settings.baseUrl ?? DEFAULT_BASE_URLS[settings.name]).replace(/\/+$/, '');
  const variable = KEY_VARIABLES[settings.name];
  const apiKey = env[variable] || (settings.name === 'local' ? 'unused' : undefined);
  if (!apiKey) throw new InputError(`set ${variable} to use ${settings.name}`, { field: 'on' });
  registerSecret(apiKey);
  const http = httpClient({ baseUrl, apiKey, where: settings.name, ...settings.http });
  switch (settings.name) {
    case 'openai':
    case 'local':
      return { engine: openaiEngine(http, { name: settings.name, baseUrl, defaultBaseUrl: baseUrl === DEFAULT_BASE_URLS.openai }), baseUrl, apiKey };
    case 'together':
      return { engine: togetherEngine(http, { lora: settings.lora ?? true, inferenceUrl: settings.inferenceUrl }), baseUrl, apiKey };
    case 'fireworks': {
      const account = settings.account ?? env.FIREWORKS_ACCOUNT_ID;
      if (!account) throw new InputError('give the Fireworks account id (--account or FIREWORKS_ACCOUNT_ID)', { field: 'account' });
      return {
        engine: fireworksEngine(http, { account, sleep: settings.sleep, datasetPollMs: settings.sleep ? 0 : undefined, inferenceUrl: settings.inferenceUrl }),
        baseUrl,
        apiKey,
      };
    }
  }
}
