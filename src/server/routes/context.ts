/** What every route of the API server shares: the served model, how requests are routed and answered, capture. */
import type { LanguageModel } from '../../models/types.js';
import type { Answerer } from '../answer.js';
import type { RequestRouter } from '../target.js';

/** One exchange as the client saw it, for capture (`--store`): the request body and the whole response JSON. */
export interface Exchange {
  endpoint: 'chat.completions' | 'completions';
  /** The validated request body (never headers, so never a key). */
  request: Record<string, unknown>;
  /** The response in its non-streamed JSON form, also for a streamed request. */
  response: Record<string, unknown>;
  /** The client's `metadata`, or null. */
  metadata: Record<string, string> | null;
  streamed: boolean;
}

/** Receives every request/answer pair the server handled (`serve --store`). */
export type CaptureSink = (exchange: Exchange) => void;

export interface RouteContext {
  model: LanguageModel;
  name: string;
  /** Rewrites each generation request; `routed` says whether a router was given. */
  route: RequestRouter;
  routed: boolean;
  answerer?: Answerer;
  capture?: CaptureSink;
  /**
   * The context of the model the client asked for: the served model, or one of the server's catalog (a
   * fine-tuned student, answered as it is: no router, no answerer); a 404 for any other.
   */
  servedFor(requested: string): Promise<RouteContext>;
}
