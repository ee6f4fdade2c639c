/**
 * A loopback OpenAI-compatible server (test/support/fakeOpenAIServer.ts, in its own thread) that answers every
 * request after a fixed latency, for benches run from a shell: prints its base URL (ending in /v1) on one line
 * and serves until killed.
 *
 *   npx tsx bench/support/latencyServer.ts [latency ms, default 50]
 */
import { startFakeOpenAIServer } from '../../test/support/fakeOpenAIServer.js';

const server = await startFakeOpenAIServer({ latencyMs: Number(process.argv[2] ?? '50') });
console.log(server.url);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
