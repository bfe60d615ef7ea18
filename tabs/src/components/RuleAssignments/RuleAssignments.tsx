import { Body1, Subtitle2 } from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client.ts';
import { agentName, listMappings } from '../../api/mappings.ts';
import { type Assignment, assignRule, type RuleView, unassign } from '../../api/rules.ts';
import { useQuery } from '../../api/useQuery.ts';
import { useNotify, useServices } from '../../app/services.tsx';
import { ErrorBar } from '../ErrorBar/ErrorBar.tsx';
import { type TransferItem, TransferList } from '../TransferList/TransferList.tsx';
import { useRuleAssignmentsStyles } from './RuleAssignments.styles.ts';

export interface RuleAssignmentsProps {
  rule: RuleView;
  assignments: readonly Assignment[];
  teams: readonly { teamId: string; agents: number }[];
  onChanged(): void;
}

/** Assign a rule to CXone teams and to individual agents (user beats team beats the default). */
export function RuleAssignments({ rule, assignments, teams, onChanged }: RuleAssignmentsProps) {
  const styles = useRuleAssignmentsStyles();
  const { api, connectionId } = useServices();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [userQuery, setUserQuery] = useState('');
  const agents = useQuery(connectionId ? `assign-agents:${connectionId}:${userQuery}` : null, () =>
    listMappings(api, connectionId!, { status: 'all', q: userQuery || undefined, limit: 100 }),
  );

  const holder = (type: 'team' | 'user', id: string) => assignments.find((a) => a.targetType === type && a.targetId === id);
  const item = (type: 'team' | 'user', id: string, label: string): TransferItem => {
    const h = holder(type, id);
    return { id, label, ...(h && h.ruleId !== rule.id ? { note: `has rule “${h.ruleName}”`, disabled: true } : {}) };
  };
  const mine = (type: 'team' | 'user') => assignments.filter((a) => a.ruleId === rule.id && a.targetType === type);

  const teamItems = teams
    .filter((t) => holder('team', t.teamId)?.ruleId !== rule.id)
    .map((t) => item('team', t.teamId, `Team ${t.teamId} (${t.agents} agents)`));
  const teamChosen = mine('team').map((a) => ({ id: a.targetId, label: `Team ${a.targetId}` }));
  const userItems = (agents.data?.items ?? [])
    .filter((m) => holder('user', m.agentId)?.ruleId !== rule.id)
    .map((m) => item('user', m.agentId, `${agentName(m)} (${m.agentId})`));
  const userChosen = mine('user').map((a) => ({ id: a.targetId, label: `Agent ${a.targetId}` }));

  const apply = async (type: 'team' | 'user', ids: string[], add: boolean) => {
    setBusy(true);
    setError(null);
    try {
      for (const id of ids) {
        if (add) await assignRule(api, connectionId!, { ruleId: rule.id, targetType: type, targetId: id });
        else await unassign(api, connectionId!, type, id);
      }
      notify(add ? `Assigned “${rule.name}”` : 'Assignment removed', 'success', 'Affected agents are re-synced now.');
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
      onChanged();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={styles.root}>
      <Body1>
        An agent gets the rule assigned to them; otherwise their team's rule; otherwise the business unit's default rule. A team
        or agent has at most one rule.
      </Body1>
      <ErrorBar error={error ?? agents.error} title="Could not change assignments" />
      <Subtitle2 as="h3">Teams</Subtitle2>
      <TransferList
        title="Teams"
        available={teamItems}
        chosen={teamChosen}
        busy={busy}
        onAdd={(ids) => void apply('team', ids, true)}
        onRemove={(ids) => void apply('team', ids, false)}
      />
      <Subtitle2 as="h3">Agents</Subtitle2>
      <TransferList
        title="Agents"
        available={userItems}
        chosen={userChosen}
        busy={busy}
        onSearch={setUserQuery}
        onAdd={(ids) => void apply('user', ids, true)}
        onRemove={(ids) => void apply('user', ids, false)}
      />
    </div>
  );
}
