/**
 * The typed errors of model calls, as the rest of Apprentice imports them. They are defined on the
 * model layer's floor (core/errors.ts), where providers and middleware import them from.
 */
export { FATAL_KINDS, isModelError, ModelError, RETRYABLE_KINDS, UnsupportedSettingError, type ModelErrorKind } from './core/errors.js';
