import { ExternalError } from '../domain/reasons.ts';
import { type Check, messageOf, statusOf } from './checks.ts';
import type { CxoneAdminClient } from './clients.ts';

/**
 * CXone side of test-connection: the access key gets a token and lists agents, and can set a state —
 * tested harmlessly by re-applying an agent's current Available/Unavailable state.
 */
export async function cxoneChecks(cxone: CxoneAdminClient): Promise<Check[]> {
  const checks: Check[] = [];
  try {
    const agents = await cxone.listAgents();
    checks.push({
      id: 'cxone.agents',
      side: 'cxone',
      title: 'Access key lists agents',
      status: 'ok',
      detail: `${agents.length} agents`,
    });
    try {
      const states = await cxone.getAgentStates();
      const target = states.find(
        (s) => s.state === 'Available' || (s.state === 'Unavailable' && s.outStateId != null && s.outStateId > 0),
      );
      if (!target)
        checks.push({
          id: 'cxone.setState',
          side: 'cxone',
          title: 'Access key sets agent states',
          status: 'skipped',
          detail: 'not tested: no agent is Available or Unavailable right now',
        });
      else {
        await cxone.setAgentState(
          target.agentId,
          target.state === 'Available' ? { state: 'Available' } : { state: 'Unavailable', outStateId: target.outStateId! },
        );
        checks.push({
          id: 'cxone.setState',
          side: 'cxone',
          title: 'Access key sets agent states',
          status: 'ok',
          detail: `re-applied agent ${target.agentId}'s current state`,
        });
      }
    } catch (err) {
      checks.push({
        id: 'cxone.setState',
        side: 'cxone',
        title: 'Access key sets agent states',
        status: 'failed',
        ...cxoneFailure(err, 'set agent states'),
      });
    }
  } catch (err) {
    checks.push({
      id: 'cxone.agents',
      side: 'cxone',
      title: 'Access key lists agents',
      status: 'failed',
      ...cxoneFailure(err, 'list agents'),
    });
  }

  return checks;
}

function cxoneFailure(err: unknown, what: string): { detail: string; fix: string } {
  const status = statusOf(err);
  const msg = messageOf(err);
  if (status === 401 || /401|unauthori[sz]ed|invalid.*key|access key/i.test(msg))
    return {
      detail: `CXone rejected the access key: ${msg}`,
      fix: 'The access-key id or secret is wrong or revoked: create a new access key in CXone (Admin → Employees → Access Keys) and save it here.',
    };
  if (status === 403)
    return {
      detail: `the access key may not ${what}: ${msg}`,
      fix: `Give the access key's CXone user a role with permission to ${what}.`,
    };
  if (err instanceof ExternalError && err.reason === 'cxone_unreachable')
    return { detail: msg, fix: 'Check the CXone base URL and auth URL, and that CXone is reachable from this server.' };
  return { detail: msg, fix: `Check the CXone settings; the access key must be able to ${what}.` };
}
