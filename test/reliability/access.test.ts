/**
 * Item 7 of issue 16: `serve` checks Host and Origin as `ui` does (no DNS rebinding, no hostile page
 * spending the upstream key), and both take a server key, required off loopback.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/server/app.js';
import { buildDashboardApp } from '../../src/server/dashboard/app.js';
import { FakeModel } from '../models/fakes.js';

const KEY = 'serve-key-0123456789abcdef';
const chat = { model: 'fake', messages: [{ role: 'user', content: 'hi' }], temperature: 0 };

async function serve(options: { serverKey?: string; allowedHosts?: readonly string[] | null } = {}) {
  return createApiServer({ model: new FakeModel(), name: 'fake', ...options });
}

describe('serve: Host, Origin and key', () => {
  it('refuses a Host that is not loopback (DNS rebinding), answers loopback ones', async () => {
    const app = await serve();
    const rebound = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { host: 'attacker.example:8080' }, payload: chat });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json()).toMatchObject({ error: { code: 'host_not_allowed' } });
    const local = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { host: '127.0.0.1:8080' }, payload: chat });
    expect(local.statusCode).toBe(200);
    await app.close();
  });

  it('refuses a browser request from another origin, accepts same-origin and non-browser clients', async () => {
    const app = await serve();
    const hostile = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { host: '127.0.0.1:8080', origin: 'https://evil.example' },
      payload: chat,
    });
    expect(hostile.statusCode).toBe(403);
    expect(hostile.json()).toMatchObject({ error: { code: 'origin_not_allowed' } });
    const nullOrigin = await app.inject({ method: 'GET', url: '/v1/models', headers: { host: '127.0.0.1:8080', origin: 'null' } });
    expect(nullOrigin.statusCode).toBe(403);
    const same = await app.inject({ method: 'GET', url: '/v1/models', headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' } });
    expect(same.statusCode).toBe(200);
    await app.close();
  });

  it('with a server key, only requests bearing it are answered (401 with WWW-Authenticate otherwise)', async () => {
    const app = await serve({ serverKey: KEY, allowedHosts: null });
    const none = await app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { host: '10.0.0.5:8080' }, payload: chat });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    const wrong = await app.inject({ method: 'GET', url: '/v1/models', headers: { host: '10.0.0.5:8080', authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    const right = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { host: '10.0.0.5:8080', authorization: `Bearer ${KEY}`, origin: 'https://my-chat.example' },
      payload: chat,
    });
    expect(right.statusCode).toBe(200);
    await app.close();
  });
});

describe('ui: Origin and key', () => {
  const dashboard = (serverKey?: string) =>
    buildDashboardApp({ runsDir: mkdtempSync(join(tmpdir(), 'apprentice-access-')), uiDir: tmpdir(), ...(serverKey ? { serverKey, allowedHosts: null } : {}) });

  it('refuses a request from another origin', async () => {
    const app = dashboard();
    const hostile = await app.inject({ method: 'GET', url: '/api/runs', headers: { host: '127.0.0.1:4173', origin: 'https://evil.example' } });
    expect(hostile.statusCode).toBe(403);
    const own = await app.inject({ method: 'GET', url: '/api/runs', headers: { host: '127.0.0.1:4173' } });
    expect(own.statusCode).toBe(200);
  });

  it('with a key: refused without it; ?key= once sets a same-site cookie that opens the API', async () => {
    const app = dashboard(KEY);
    expect((await app.inject({ method: 'GET', url: '/api/runs', headers: { host: 'box:4173' } })).statusCode).toBe(401);
    const login = await app.inject({ method: 'GET', url: `/?key=${KEY}`, headers: { host: 'box:4173' } });
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^apprentice_key=.*HttpOnly; SameSite=Strict/);
    const api = await app.inject({ method: 'GET', url: '/api/runs', headers: { host: 'box:4173', cookie: cookie.split(';')[0]! } });
    expect(api.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/runs', headers: { host: 'box:4173', cookie: 'apprentice_key=guess' } })).statusCode).toBe(401);
  });
});
