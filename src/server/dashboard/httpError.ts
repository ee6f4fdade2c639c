/** An error the dashboard answers with its own status (4xx, or 503) and message (see the error handler in app.ts). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
