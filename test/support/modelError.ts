import { expect } from 'vitest';
import { ModelError } from '../../src/models/errors.js';

/** The ModelError a call rejects with (the test fails if it resolves or rejects with anything else). */
export async function modelErrorOf(promise: Promise<unknown>): Promise<ModelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}
