/**
 * Settings middleware: no request setting is dropped silently. A setting the provider cannot honour
 * (its descriptor's `unsupportedSettings`, e.g. Anthropic and `seed`) is, by default, sent without it
 * and the answer carries a warning naming it; with policy 'refuse' the call is refused before it is
 * sent, with an UnsupportedSettingError naming the setting. Every warning an answer carries (these, and
 * those a provider adds itself, e.g. a server that returned no logprobs) is also passed to `report`.
 */
import { UnsupportedSettingError } from '../core/errors.js';
import type { UnsupportedSetting } from '../core/descriptor.js';
import { mergeWarnings } from '../core/samples.js';
import type { CallWarning, GenerateRequest, GenerateResponse, LanguageModel } from '../types.js';
import { wrapModel } from './wrap.js';

/** What the hub does with a setting a provider cannot honour: warn and send without it, or refuse the call. */
export type UnsupportedSettingPolicy = 'warn' | 'refuse';

export interface SettingCheckOptions {
  unsupported?: (request: GenerateRequest) => UnsupportedSetting[];
  /** Default 'warn'. */
  policy?: UnsupportedSettingPolicy;
  report?: (warning: CallWarning) => void;
}

export function withSettingCheck(model: LanguageModel, options: SettingCheckOptions): LanguageModel {
  const policy = options.policy ?? 'warn';
  return wrapModel(model, async (kind, request, callOptions, next) => {
    if (kind !== 'generate') return next(request, callOptions);
    const unsupported = options.unsupported?.(request as GenerateRequest) ?? [];
    const known = unsupported.map(({ setting, reason }): CallWarning => ({
      type: 'unsupported-setting',
      setting,
      message: `${model.spec} ignores ${setting}: ${reason}`,
    }));
    const [first] = known;
    if (policy === 'refuse' && first) throw new UnsupportedSettingError(first.setting, `refused: ${first.message}`);
    const response = (await next(request, callOptions)) as GenerateResponse;
    if (!known.length && !response.warnings?.length) return response;
    const warnings = mergeWarnings([known, response.warnings]);
    if (!warnings) return response;
    for (const warning of warnings) options.report?.(warning);
    return { ...response, warnings };
  });
}
