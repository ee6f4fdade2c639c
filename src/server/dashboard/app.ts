/**
 * The dashboard server (`apprentice ui`): a small JSON API over a runs folder and the built browser
 * app (dist/ui). Read-only: nothing here writes to the runs folder.
 *
 *   GET /api/runs                       every run folder under the root
 *   GET /api/run?id=<run id>            one run: summary, configuration, charts, its examples (the first page of a large run)
 *   GET /api/run/examples?id=<run id>&offset=&limit=&filter=&q=&sort=&desc=1
 *                                       a page of a run's examples, filtered, searched and sorted (read by offset)
 *   GET /api/compare?id=<a>&id=<b>...   paired comparisons of every run against the first
 *   GET /api/scaling                    analysis.json / score-row files with score-vs-size charts
 *   GET /api/grimoire?id=<root id>      a `grimoire eval` root: methods, validation choice, routing
 *   GET /api/distill?id=<sweep id>      a distillation sweep's results.json: points, cells, teacher
 *   GET /api/distill/cell?id=<cell id>  one sweep cell's test answers as example rows
 *   GET /api/cascade?id=<folder id>     a cascade calibration: the curve, the chosen threshold, held-out evaluations
 *
 * Every answer is computed once per state of the files it reads (answerCache.ts: keyed by route and ids,
 * stamped with the files' modification times and sizes, sent gzipped to clients that accept it, with an ETag),
 * so many visitors of the same runs cost one computation, and the folder walk runs at most once a second.
 * Answers are computed and serialized in worker threads (answers.ts, answerWorkers.ts), and the runs folder is
 * walked there too, so neither a large run's first answer nor a large runs folder holds up the other requests.
 */
import { dirname, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sweepDirOfCell } from '../../distill/sweepResults.js';
import { InputError } from '../../util/errors.js';
import { addAccessControl, isLoopbackHost, LOOPBACK_HOSTS } from '../access.js';
import { AnswerCache, filesStamp, type AnswerCacheOptions } from './answerCache.js';
import type { AnswerRequest } from './answers.js';
import { EXAMPLE_FILTERS, EXAMPLE_SORT_KEYS, EXAMPLES_PAGE, isExampleFilter, searchWords, type ExampleQuery, type ExampleSortKey } from './exampleQuery.js';
import { answerWorkers } from './answerWorkers.js';
import { HttpError } from './httpError.js';
import { folderOf, MAX_DEPTH, runDirOf, type FoundFiles } from './runs.js';
import { defaultUiDir, readStatic } from './static.js';

export interface DashboardOptions {
  /** The folder searched (recursively) for runs. */
  runsDir: string;
  /** The built app; default: the package's dist/ui. */
  uiDir?: string;
  /** Score-row files (CSV/JSON/JSONL) to show on the scaling page beside the ones found under runsDir. */
  scoreFiles?: readonly string[];
  /** Bootstrap seed of the paired comparisons (default 0). */
  seed?: number;
  /**
   * Host names accepted in the Host header (default: loopback names). A page on another site cannot
   * then read the API through a DNS name pointed at 127.0.0.1; null accepts any.
   */
  allowedHosts?: readonly string[] | null;
  /** Key every request must carry (`--server-key`): a bearer token, or `?key=` once in a browser. */
  serverKey?: string;
  /** How computed answers are kept (answerCache.ts); tests shorten `recheckMs`. */
  cache?: AnswerCacheOptions;
  /** Milliseconds an answer may take in its worker before the worker is taken to be hung and replaced (answerWorkers.ts; default 10 minutes). */
  answerTimeoutMs?: number;
}

/** Runs one comparison may hold: the work of a request stays bounded. */
const MAX_COMPARED = 20;

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export function buildDashboardApp(options: DashboardOptions): FastifyInstance {
  const root = resolve(options.runsDir);
  const uiDir = options.uiDir ?? defaultUiDir();
  const cache = new AnswerCache(options.cache);
  const answerFolder = { root, seed: options.seed ?? 0 };
  const answer = (request: AnswerRequest) => answerWorkers.answer(answerFolder, request, options.answerTimeoutMs);
  const recheckMs = options.cache?.recheckMs ?? 1000;
  let walked: { at: number; found: Promise<FoundFiles> } | null = null;
  /** The folder walk, in a worker thread (a large runs folder takes long to walk), done again at most every `recheckMs`. */
  const find = (): Promise<FoundFiles> => {
    if (!walked || Date.now() - walked.at >= recheckMs) {
      const walk = { at: Date.now(), found: answer({ route: 'find' }).then((found) => JSON.parse(found.answer.json.toString('utf8')) as FoundFiles) };
      walked = walk;
      walk.found.catch(() => {
        if (walked === walk) walked = null; // the next request walks again
      });
    }
    return walked.found;
  };
  /** Sends the answer under `key` from the cache (see answerCache.ts), gzipped when the client accepts it. */
  const cached = async (request: FastifyRequest, reply: FastifyReply, key: string, stamp: () => Promise<string>, compute: () => Promise<unknown>) => {
    const answer = await cache.get(key, stamp, compute);
    reply.header('etag', answer.etag).header('cache-control', 'no-cache').header('vary', 'accept-encoding').type('application/json; charset=utf-8');
    if (request.headers['if-none-match'] === answer.etag) return reply.code(304).send();
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(answer.gzip);
    return reply.send(answer.json);
  };
  /** A folder of the root named by an id, or a 404. */
  const folder = (id: string, what: string): string => {
    const dir = folderOf(root, id);
    if (!dir) throw new HttpError(404, `no ${what} "${id}" under ${root}`);
    return dir;
  };
  const allowedHosts = options.allowedHosts === undefined ? LOOPBACK_HOSTS : options.allowedHosts;
  const app = Fastify({ logger: false });
  app.addHook('onClose', async () => answerWorkers.forget(answerFolder));

  addAccessControl(app, { allowedHosts, serverKey: options.serverKey, browserLogin: true, errorBody: (message) => ({ error: { message } }) });

  app.setErrorHandler(async (error, _request, reply) => {
    if (error instanceof InputError) return reply.code(404).send({ error: { message: error.message } });
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: { message: (error as Error).message } });
    // A worker that stopped mid-answer: a new one is started, the request can be sent again.
    if (error instanceof HttpError && status === 503)
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: { message: error.message } });
    return reply.code(500).send({ error: { message: (error as Error).message } });
  });

  app.get('/api/runs', async (request, reply) => {
    // Walked when the stamp is taken, which comes before any computation of the answer.
    let found: FoundFiles | undefined;
    return cached(
      request,
      reply,
      'runs',
      async () => {
        found = await find();
        const folders = [...found.runs, ...found.grimoireEvals, ...found.sweeps, ...found.cascades];
        return `${folders.join('\n')}\n${await filesStamp(folders)}`;
      },
      () => answer({ route: 'runs', found: found! }),
    );
  });

  /** A route that shows one folder, given as ?id=<folder id> (`what` names it in the 400 answer), stamped by `stamp`. */
  const byId = (path: string, what: string, stamp: (id: string) => Promise<string>, show: (id: string) => Promise<unknown>) =>
    app.get(path, async (request, reply) => {
      const id = queryIds(request.query)[0];
      if (!id) return badRequest(reply, `give ${what} with ?id=<folder id>`);
      return cached(
        request,
        reply,
        `${path}?${id}`,
        () => stamp(id),
        () => show(id),
      );
    });
  byId(
    '/api/grimoire',
    'the grimoire evaluation',
    (id) => filesStamp([folder(id, 'grimoire evaluation')], MAX_DEPTH),
    (id) => answer({ route: 'grimoire', id }),
  );
  byId(
    '/api/distill',
    'the distillation sweep',
    // results.json, and the cells' folders (whether each holds its test answers)
    (id) => filesStamp([folder(id, 'distillation sweep')], 3),
    (id) => answer({ route: 'distill', id }),
  );
  byId(
    '/api/distill/cell',
    'the sweep cell',
    (id) => {
      const dir = folder(id, 'distillation cell');
      return filesStamp([dir, sweepDirOfCell(dir)]);
    },
    (id) => answer({ route: 'distill/cell', id }),
  );
  byId(
    '/api/cascade',
    'the cascade calibration',
    // calibration.json and evaluation-<split>.json
    (id) => filesStamp([folder(id, 'cascade calibration')]),
    (id) => answer({ route: 'cascade', id }),
  );
  byId(
    '/api/run',
    'the run',
    (id) => filesStamp([runDirOf(root, id)]),
    (id) => answer({ route: 'run', id }),
  );

  app.get('/api/run/examples', async (request, reply) => {
    const id = queryIds(request.query)[0];
    if (!id) return badRequest(reply, 'give the run with ?id=<run id>');
    const query = examplesQuery(request.query as Record<string, unknown>);
    if (typeof query === 'string') return badRequest(reply, query);
    return cached(
      request,
      reply,
      `/api/run/examples?${id}\0${JSON.stringify(query)}`,
      () => filesStamp([runDirOf(root, id)]),
      () => answer({ route: 'run/examples', id, query }),
    );
  });

  app.get('/api/compare', async (request, reply) => {
    const ids = queryIds(request.query);
    if (ids.length < 2) return badRequest(reply, 'give two runs or more: ?id=<run A>&id=<run B>');
    if (ids.length > MAX_COMPARED) return badRequest(reply, `compare at most ${MAX_COMPARED} runs at once (${ids.length} given)`);
    return cached(
      request,
      reply,
      `compare?${ids.join('\0')}`,
      () => filesStamp(ids.map((id) => runDirOf(root, id))),
      () => answer({ route: 'compare', ids }),
    );
  });

  app.get('/api/scaling', async (request, reply) => {
    let found: FoundFiles | undefined;
    const scoreFiles = (options.scoreFiles ?? []).map((file) => resolve(file));
    return cached(
      request,
      reply,
      'scaling',
      async () => {
        found = await find();
        // An analysis is read with the files beside it; score rows are read alone.
        return filesStamp([...found.analyses.map((file) => dirname(file)), ...found.scoreRows, ...scoreFiles]);
      },
      () => answer({ route: 'scaling', found: found!, scoreFiles }),
    );
  });

  app.get('/api/*', async (_request, reply) => reply.code(404).send({ error: { message: 'no such API route' } }));

  app.get('/*', async (request, reply) => {
    const file = (await readStatic(uiDir, request.url)) ?? (await readStatic(uiDir, '/'));
    if (!file) {
      return reply
        .code(500)
        .type('text/plain; charset=utf-8')
        .send(`the dashboard's front end is not built (no index.html in ${uiDir}); run \`npm run build\``);
    }
    return reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .type(file.type)
      .send(file.body);
  });

  return app;
}

export interface DashboardServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions & { host?: string; port?: number }): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  const app = buildDashboardApp({ ...options, allowedHosts: options.allowedHosts !== undefined ? options.allowedHosts : loopback ? LOOPBACK_HOSTS : null });
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}`, app, close: () => app.close() };
}

function queryIds(query: unknown): string[] {
  const raw = (query as { id?: unknown } | undefined)?.id;
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values.filter((value): value is string => typeof value === 'string' && value !== '');
}

/** Rows one page may hold: the work of a request stays bounded. */
const MAX_PAGE = 500;

/** The page asked for by /api/run/examples's query, or what is wrong with it. */
function examplesQuery(query: Record<string, unknown>): ExampleQuery | string {
  const one = (name: string): string | undefined => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  const offset = Number(one('offset') ?? 0);
  const limit = Number(one('limit') ?? EXAMPLES_PAGE);
  if (!Number.isInteger(offset) || offset < 0) return 'offset must be a whole number >= 0';
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return `limit must be a whole number from 1 to ${MAX_PAGE}`;
  const filter = one('filter') ?? 'all';
  if (!isExampleFilter(filter)) return `filter must be one of ${EXAMPLE_FILTERS.join(', ')}`;
  const sort = one('sort') ?? 'index';
  if (!(EXAMPLE_SORT_KEYS as readonly string[]).includes(sort)) return `sort must be one of ${EXAMPLE_SORT_KEYS.join(', ')}`;
  return { filter, words: searchWords(one('q') ?? ''), sort: sort as ExampleSortKey, descending: one('desc') === '1', offset, limit };
}

function badRequest(reply: FastifyReply, message: string) {
  return reply.code(400).send({ error: { message } });
}
