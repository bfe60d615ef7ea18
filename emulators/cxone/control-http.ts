import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultSpec } from './faults.ts';
import { HttpFailure, send } from './http-util.ts';
import { type CxoneModel, ModelError } from './model.ts';
import { controlPage } from './page.ts';
import type { PushConfig } from './push.ts';
import type { CxoneEmulatorControl } from './server.ts';

/**
 * The emulator's control API over HTTP, under /_emulator/ (same operations as `control` in-process):
 *   GET  /_emulator/                         HTML control page
 *   GET  /_emulator/agents                   every agent's state
 *   GET  /_emulator/agents/{id}              one agent's state
 *   POST /_emulator/agents/{id}/state        {state, outStateId?, contactType?, agentToAgent?}
 *   POST /_emulator/agents/{id}/login | /logout | /drive-day {speed?}
 *   POST /_emulator/agents/{id}/contact/start {type:'inbound'|'outbound', agentToAgent?}
 *   POST /_emulator/agents/{id}/contact/end   {acw?}
 *   POST /_emulator/push {url, secret, connectionId} (null body = off)
 *   POST /_emulator/faults {kind, …}   DELETE /_emulator/faults
 *   POST /_emulator/key/revoke | /key/restore
 *   GET  /_emulator/calls?since=&pathPrefix=   DELETE /_emulator/calls
 *   POST /_emulator/time/advance {ms}   GET /_emulator/time
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  control: CxoneEmulatorControl,
  ctx: { model: CxoneModel; readBody: () => Promise<unknown>; emulatorInfo: () => Record<string, string> },
): Promise<void> {
  const method = req.method ?? 'GET';
  const p = url.pathname.replace(/\/+$/, '') || '/_emulator';
  try {
    if (method === 'GET' && p === '/_emulator') {
      const html = controlPage(ctx.model);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
      res.end(html);
      return;
    }
    const body = method === 'POST' ? ((await ctx.readBody()) ?? {}) : {};
    const b = body as Record<string, unknown>;
    const out = await route(method, p, b, url, control);
    send(res, 200, out ?? { ok: true });
  } catch (err) {
    const status = err instanceof HttpFailure || err instanceof ModelError ? err.status : err instanceof TypeError ? 400 : 500;
    send(res, status, { error: (err as Error).name, errorDescription: (err as Error).message });
  }
}

async function route(method: string, p: string, b: Record<string, unknown>, url: URL, c: CxoneEmulatorControl): Promise<unknown> {
  if (method === 'GET' && p === '/_emulator/agents') return c.agentStates();
  const am = /^\/_emulator\/agents\/([^/]+)(\/.*)?$/.exec(p);
  if (am) {
    const id = decodeURIComponent(am[1]!);
    const rest = am[2] ?? '';
    if (method === 'GET' && rest === '') return c.agentState(id);
    if (method === 'POST') {
      if (rest === '/state') {
        if (typeof b.state !== 'string') throw new TypeError('state: required');
        return c.setAgentState(id, {
          state: b.state,
          outStateId: typeof b.outStateId === 'number' ? b.outStateId : null,
          ...(b.contactType === 'inbound' || b.contactType === 'outbound' ? { contactType: b.contactType } : {}),
          ...(typeof b.agentToAgent === 'boolean' ? { agentToAgent: b.agentToAgent } : {}),
        });
      }
      if (rest === '/login') return c.login(id);
      if (rest === '/logout') return c.logout(id);
      if (rest === '/drive-day') return c.driveDay(id, typeof b.speed === 'number' ? { speed: b.speed } : {});
      if (rest === '/contact/start') {
        if (b.type !== 'inbound' && b.type !== 'outbound') throw new TypeError('type: must be "inbound" or "outbound"');
        return c.startContact(id, b.type, { agentToAgent: b.agentToAgent === true });
      }
      if (rest === '/contact/end') return c.endContact(id, { acw: b.acw === true });
    }
  }
  if (method === 'POST' && p === '/_emulator/push') {
    c.configurePush(Object.keys(b).length ? (b as unknown as PushConfig) : null);
    return { ok: true };
  }
  if (p === '/_emulator/faults') {
    if (method === 'POST') {
      c.injectFault(b as unknown as FaultSpec);
      return { ok: true };
    }
    if (method === 'DELETE') {
      c.clearFaults();
      return { ok: true };
    }
  }
  if (method === 'POST' && p === '/_emulator/key/revoke') return c.revokeKey();
  if (method === 'POST' && p === '/_emulator/key/restore') return c.restoreKey();
  if (p === '/_emulator/calls') {
    if (method === 'DELETE') return c.resetCalls();
    const since = url.searchParams.get('since');
    const pathPrefix = url.searchParams.get('pathPrefix');
    if (since !== null && !/^\d+$/.test(since)) throw new TypeError('since: must be emulator ms');
    return c.calls({ ...(since !== null ? { since: Number(since) } : {}), ...(pathPrefix !== null ? { pathPrefix } : {}) });
  }
  if (method === 'POST' && p === '/_emulator/time/advance') {
    if (typeof b.ms !== 'number') throw new TypeError('ms: required (a number)');
    c.advanceTime(b.ms);
    return { now: c.now() };
  }
  if (method === 'GET' && p === '/_emulator/time') return { now: c.now() };
  throw new HttpFailure(404, 'NotFound', `no such control route: ${method} ${p}`);
}
