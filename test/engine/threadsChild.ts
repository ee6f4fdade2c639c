/** Run by threads.test.ts in a child process: logits of a seeded tiny model on the backend the env selects. */
import { backendThreads, initBackend } from '../../src/engine/backend.js';
import { configForSize, LlamaModel } from '../../src/engine/model.js';

await initBackend();
const model = LlamaModel.create(configForSize('tiny', 64, 32), 9);
const rows = model.logitsFor([1, 5, 9, 2, 33, 7, 7, 60]);
process.stdout.write(JSON.stringify({ threads: backendThreads(), logits: rows.flatMap((r) => [...r]) }) + '\n');
model.dispose();
