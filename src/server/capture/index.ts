/**
 * Capture for `serve --store <dir>`: the server's exchanges go to the capture store (runs/captureStore.ts),
 * with the model that answered (the cascade reports it in a response field).
 */
import { CaptureStore } from '../../runs/captureStore.js';
import type { CaptureSink } from '../routes/context.js';

export interface Capture {
  sink: CaptureSink;
  store: CaptureStore;
  close(): void;
}

/** A sink writing every exchange to the store in `dir`; a failed write is reported, never fails the answer. */
export function captureTo(dir: string, options: { warn?: (message: string) => void } = {}): Capture {
  const store = CaptureStore.create(dir);
  const warn = options.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  const sink: CaptureSink = (exchange) => {
    try {
      const answeredBy = exchange.response.answered_by;
      store.add({
        endpoint: exchange.endpoint,
        model: typeof exchange.request.model === 'string' ? exchange.request.model : '',
        answeredBy: typeof answeredBy === 'string' ? answeredBy : null,
        request: exchange.request,
        response: exchange.response,
        metadata: exchange.metadata ?? {},
        streamed: exchange.streamed,
      });
    } catch (error) {
      warn(`could not store an exchange in ${store.path}: ${(error as Error).message}`);
    }
  };
  return { sink, store, close: () => store.close() };
}
