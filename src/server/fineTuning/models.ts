/**
 * The fine-tuned models of a FineTuningService as models the API server answers (ModelCatalog): each is
 * listed in /v1/models as soon as its job succeeds and is loaded, on first use, as `builtin:<its folder>`
 * through the model layer (so the cache, limits and usage accounting apply as to any model).
 */
import type { FineTuningService } from '../../finetune/service.js';
import type { LanguageModel } from '../../models/types.js';
import type { ModelCatalog } from '../app.js';

export function fineTunedModelCatalog(service: FineTuningService, load: (spec: string) => Promise<LanguageModel>): ModelCatalog {
  const loaded = new Map<string, Promise<LanguageModel>>();
  return {
    list: () => [
      ...service.baseNames().map((id) => ({ id, created: 0, owned_by: 'apprentice:base' })),
      ...service.fineTunedModels().map((model) => ({ id: model.id, created: model.created, owned_by: 'apprentice' })),
    ],
    resolve(id) {
      const dir = service.modelDir(id);
      if (dir === undefined) return undefined;
      let model = loaded.get(id);
      if (!model) {
        model = load(`builtin:${dir}`);
        loaded.set(id, model);
        model.catch(() => loaded.delete(id));
      }
      return model;
    },
  };
}
