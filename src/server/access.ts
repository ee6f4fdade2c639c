/**
 * Who may talk to a local server (`serve` and `ui`), checked before any route runs:
 *
 * - Host: bound to loopback, only loopback names are accepted, so a web page cannot reach the server
 *   through a DNS name it re-points at 127.0.0.1 (DNS rebinding).
 * - Origin: a browser request from another site (its Origin is not this server) is refused unless it
 *   carries the server key, so a page the user visits cannot spend the upstream key or read runs.
 * - Key (`--server-key`, required off loopback): `Authorization: Bearer <key>`. The dashboard also
 *   takes `?key=<key>` once and keeps it in a same-site cookie, so a browser can open it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]', '::1'];

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host.toLowerCase());
}

export interface AccessOptions {
  /** Host names accepted in the Host header (without port); null accepts any. */
  allowedHosts: readonly string[] | null;
  /** The key clients must present; undefined lets anyone who passes the Host and Origin checks in. */
  serverKey?: string;
  /** Accept the key as `?key=` and remember it in a cookie (the dashboard, opened in a browser). */
  browserLogin?: boolean;
  /** The error body in the server's format. */
  errorBody: (message: string, code: string) => unknown;
}

const COOKIE = 'apprentice_key';

export function addAccessControl(app: FastifyInstance, options: AccessOptions): void {
  const { allowedHosts, serverKey, errorBody } = options;
  const refuse = (reply: FastifyReply, status: number, message: string, code: string) => reply.code(status).send(errorBody(message, code));

  app.addHook('onRequest', async (request, reply) => {
    const hostHeader = (request.headers.host ?? '').toLowerCase();
    const host = hostHeader.replace(/:\d+$/, '');
    if (allowedHosts && !allowedHosts.includes(host)) {
      return refuse(reply, 403, `host "${host}" is not allowed; use http://127.0.0.1`, 'host_not_allowed');
    }
    const keyGiven = serverKey !== undefined && sameKey(presentedKey(request, options.browserLogin === true), serverKey);
    const origin = request.headers.origin;
    if (origin !== undefined && !keyGiven && originHost(origin) !== hostHeader) {
      return refuse(reply, 403, `requests from ${origin} are not allowed`, 'origin_not_allowed');
    }
    if (serverKey === undefined) return;
    if (!keyGiven) {
      reply.header('www-authenticate', 'Bearer');
      return refuse(
        reply,
        401,
        'this server needs its key: send "Authorization: Bearer <key>"' + (options.browserLogin ? ' or open it once with ?key=<key>' : ''),
        'invalid_api_key',
      );
    }
    if (options.browserLogin && queryKey(request) !== undefined) {
      void reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(serverKey)}; HttpOnly; SameSite=Strict; Path=/`);
    }
  });
}

function presentedKey(request: FastifyRequest, browserLogin: boolean): string | undefined {
  const authorization = request.headers.authorization;
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (bearer) return bearer;
  if (!browserLogin) return undefined;
  return queryKey(request) ?? cookieKey(request.headers.cookie);
}

function queryKey(request: FastifyRequest): string | undefined {
  const key = (request.query as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' && key ? key : undefined;
}

function cookieKey(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function sameKey(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `host[:port]` of an Origin header, lower case ('' when it is not a URL, e.g. "null"). */
function originHost(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
  }
}
