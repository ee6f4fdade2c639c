/** A fine-tuning server in its own process (run with `node --import tsx`), so a test can kill it mid-job. */
import { startFineTuningServer } from './support.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: serverMain.ts <store dir>');
const running = await startFineTuningServer(dir);
process.stdout.write(`listening at ${running.baseURL}\n`);
