import {
  Badge,
  Body1,
  Field,
  SearchBox,
  Select,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import { useState } from 'react';
import { reasonText } from '../../activity/reasons.ts';
import { agentName, listMappings } from '../../api/mappings.ts';
import { previewFor } from '../../api/rules.ts';
import { useQuery } from '../../api/useQuery.ts';
import { useServices } from '../../app/services.tsx';
import { pairLabel } from '../../rules/ruleDraft.ts';
import { EmptyState } from '../EmptyState/EmptyState.tsx';
import { ErrorBar } from '../ErrorBar/ErrorBar.tsx';
import { LoadingSkeleton } from '../LoadingSkeleton/LoadingSkeleton.tsx';
import { useRulePreviewStyles } from './RulePreview.styles.ts';

const VIA: Record<string, string> = {
  user: 'assigned to this agent',
  team: "assigned to the agent's team",
  default: 'the default rule',
};

/** "What happens for user X": the rule that applies and the outcome in every state, both directions. */
export function RulePreview({ agentId, onAgentChange }: { agentId: string | null; onAgentChange(id: string | null): void }) {
  const styles = useRulePreviewStyles();
  const { api, connectionId } = useServices();
  const [q, setQ] = useState('');
  const agents = useQuery(connectionId ? `preview-agents:${connectionId}:${q}` : null, () =>
    listMappings(api, connectionId!, { status: 'mapped', q: q || undefined, limit: 50 }),
  );
  const preview = useQuery(connectionId && agentId ? `preview:${connectionId}:${agentId}` : null, () =>
    previewFor(api, connectionId!, agentId!),
  );
  const p = preview.data;

  return (
    <div className={styles.root}>
      <div className={styles.pick}>
        <Field label="Find a mapped agent">
          <SearchBox value={q} onChange={(_, d) => setQ(d.value)} placeholder="Name, email or agent id" />
        </Field>
        <Field label="Agent">
          <Select value={agentId ?? ''} onChange={(_, d) => onAgentChange(d.value || null)}>
            <option value="">Choose an agent…</option>
            {agentId && !agents.data?.items.some((m) => m.agentId === agentId) ? (
              <option value={agentId}>Agent {agentId}</option>
            ) : null}
            {(agents.data?.items ?? []).map((m) => (
              <option key={m.agentId} value={m.agentId}>
                {agentName(m)} ({m.agentId})
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <ErrorBar error={preview.error ?? agents.error} title="Could not preview" onRetry={preview.reload} />
      {!agentId ? (
        <EmptyState title="Pick someone">
          Choose a mapped agent to see which rule applies to them and what each state becomes.
        </EmptyState>
      ) : preview.loading && !p ? (
        <LoadingSkeleton rows={6} label="Loading the preview" />
      ) : p ? (
        <>
          <Body1>
            <b>{p.agent.name || p.agent.agentId}</b>
            {p.user ? ` ⇄ ${p.user.displayName ?? p.user.userPrincipalName}` : ' (not mapped)'}:{' '}
            {p.rule ? (
              <>
                rule <b>{p.rule.name}</b> ({VIA[p.via ?? ''] ?? p.via})
              </>
            ) : (
              'no rule applies'
            )}
            .
          </Body1>
          {p.blockedBy ? (
            <Badge appearance="tint" color="warning">
              Nothing syncs: {reasonText(p.blockedBy)}
            </Badge>
          ) : null}
          <Subtitle2 as="h3">CXone → Teams</Subtitle2>
          <Table size="small" aria-label="CXone to Teams outcomes">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>When CXone shows</TableHeaderCell>
                <TableHeaderCell>Teams shows</TableHeaderCell>
                <TableHeaderCell>Row</TableHeaderCell>
                <TableHeaderCell>Why</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {p.cxoneToTeams.map((o) => (
                <TableRow key={o.label}>
                  <TableCell>{o.label}</TableCell>
                  <TableCell>
                    {o.teams ? `${pairLabel(o.teams)}${o.force ? ' (forced)' : ''}` : <span className={styles.muted}>—</span>}
                  </TableCell>
                  <TableCell>{o.rowIndex === null ? '—' : o.rowIndex + 1}</TableCell>
                  <TableCell>{reasonText(o.reason)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Subtitle2 as="h3">Teams → CXone</Subtitle2>
          <Table size="small" aria-label="Teams to CXone outcomes">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>When Teams shows</TableHeaderCell>
                <TableHeaderCell>CXone becomes</TableHeaderCell>
                <TableHeaderCell>Row</TableHeaderCell>
                <TableHeaderCell>Why</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {p.teamsToCxone.map((o) => (
                <TableRow key={`${o.availability}/${o.activity}`}>
                  <TableCell>{pairLabel(o)}</TableCell>
                  <TableCell>
                    {o.cxone ? (
                      `${o.cxone.state}${o.cxone.outStateId != null ? ` (code ${o.cxone.outStateId})` : ''}`
                    ) : (
                      <span className={styles.muted}>—</span>
                    )}
                  </TableCell>
                  <TableCell>{o.rowIndex === null ? '—' : o.rowIndex + 1}</TableCell>
                  <TableCell>{reasonText(o.reason)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      ) : null}
    </div>
  );
}
