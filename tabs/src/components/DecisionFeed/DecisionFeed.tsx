import {
  Caption1,
  mergeClasses,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import { reasonText, reasonTone } from '../../activity/reasons.ts';
import type { Decision, DecisionAction } from '../../api/activity.ts';
import { pairLabel } from '../../rules/ruleDraft.ts';
import { useDecisionFeedStyles } from './DecisionFeed.styles.ts';

const DIRECTION: Record<string, string> = { cxone_to_teams: 'CXone → Teams', teams_to_cxone: 'Teams → CXone', none: '—' };

export function actionText(a: DecisionAction): string {
  switch (a.kind) {
    case 'teams_set_session':
      return a.pair ? `Teams set to ${pairLabel(a.pair)}` : 'Teams status set';
    case 'teams_set_preferred':
      return a.pair ? `Teams forced to ${pairLabel(a.pair)}` : 'Teams status forced';
    case 'teams_clear_session':
      return 'Teams status cleared';
    case 'teams_clear_preferred':
      return 'Forced Teams status cleared';
    case 'cxone_set':
      return a.target
        ? `CXone set to ${a.target.state}${a.target.outStateId != null ? ` (code ${a.target.outStateId})` : ''}`
        : 'CXone state set';
    default:
      return a.kind.replaceAll('_', ' ');
  }
}

/** The live decision feed: what happened, to whom, and why, in plain words. */
export function DecisionFeed({ items, onAgent }: { items: readonly Decision[]; onAgent(agentId: string): void }) {
  const styles = useDecisionFeedStyles();
  return (
    <Table size="small" aria-label="Decisions">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>When</TableHeaderCell>
          <TableHeaderCell>Agent</TableHeaderCell>
          <TableHeaderCell>Direction</TableHeaderCell>
          <TableHeaderCell>Reason</TableHeaderCell>
          <TableHeaderCell>What was done</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {items.map((d) => (
          <TableRow key={d.id}>
            <TableCell>
              <time dateTime={d.at}>{new Date(d.at).toLocaleTimeString()}</time>
              {d.delayMs != null ? (
                <Caption1 block className={styles.muted}>
                  {d.delayMs} ms
                </Caption1>
              ) : null}
            </TableCell>
            <TableCell>
              {d.agentId ? (
                <button type="button" className={styles.agent} onClick={() => onAgent(d.agentId!)}>
                  {d.agentId}
                </button>
              ) : (
                '—'
              )}
            </TableCell>
            <TableCell>{DIRECTION[d.direction] ?? d.direction}</TableCell>
            <TableCell>
              <span className={styles.reason} title={d.reason}>
                <span className={mergeClasses(styles.dot, styles[reasonTone(d.reason)])} aria-hidden="true" />
                {reasonText(d.reason)}
              </span>
            </TableCell>
            <TableCell>
              {d.actions.length ? d.actions.map(actionText).join('; ') : <span className={styles.muted}>nothing</span>}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
