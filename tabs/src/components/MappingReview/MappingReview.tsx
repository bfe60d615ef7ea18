import { Badge, Button, Caption1, Checkbox, Select, Spinner, Subtitle2, Text } from '@fluentui/react-components';
import { useMemo, useState } from 'react';
import type { ProposalView } from '../../api/mappings.ts';
import {
  byGroup,
  type ConfidenceGroup,
  GROUP_LABEL,
  initialChoices,
  type ReviewItem,
  reviewItems,
  signalText,
  toConfirm,
} from '../../users/mappingReview.ts';
import { useMappingReviewStyles } from './MappingReview.styles.ts';

export interface MappingReviewProps {
  proposals: readonly ProposalView[];
  unmatched: readonly string[];
  confirming?: boolean;
  onConfirm(pairs: { agentId: string; userId: string }[]): void;
  onRemap?: (agentId: string) => void;
}

const COLOR: Record<ConfidenceGroup, 'success' | 'brand' | 'warning' | 'informative'> = {
  exact: 'success',
  likely: 'brand',
  ambiguous: 'warning',
  none: 'informative',
};
/** Groups whose items show at most this many rows before "show all" (thousands of agents). */
const PAGE = 100;

/** Review auto-map proposals grouped by confidence, pick for ambiguous ones, confirm in bulk. */
export function MappingReview({ proposals, unmatched, confirming, onConfirm, onRemap }: MappingReviewProps) {
  const styles = useMappingReviewStyles();
  const items = useMemo(() => reviewItems(proposals, unmatched), [proposals, unmatched]);
  const groups = useMemo(() => byGroup(items), [items]);
  const [choices, setChoices] = useState(() => initialChoices(items));
  const [expanded, setExpanded] = useState<Set<ConfidenceGroup>>(new Set());
  const { pairs, problems } = toConfirm(choices);
  const problemFor = new Map(problems.map((p) => [p.agentId, p.message]));

  const setChoice = (agentId: string, userId: string | null) =>
    setChoices((c) => {
      const next = new Map(c);
      if (userId) next.set(agentId, userId);
      else next.delete(agentId);
      return next;
    });
  const setGroup = (g: ConfidenceGroup, on: boolean) =>
    setChoices((c) => {
      const next = new Map(c);
      for (const i of groups[g]) {
        if (on && i.candidates.length === 1) next.set(i.agentId, i.candidates[0]!.userId);
        if (!on) next.delete(i.agentId);
      }
      return next;
    });

  const row = (i: ReviewItem) => {
    const chosen = choices.get(i.agentId) ?? null;
    const err = problemFor.get(i.agentId);
    return (
      <fieldset key={i.agentId} className={styles.row} aria-label={`Agent ${i.agentName}`}>
        <div>
          <Text weight="semibold">{i.agentName}</Text>
          <Caption1 block>
            {i.agentEmail ?? 'no email in CXone'} · agent {i.agentId}
          </Caption1>
        </div>
        <div>
          {i.group === 'none' ? (
            <>
              <Caption1>No Teams user matched. </Caption1>
              {onRemap ? (
                <Button size="small" onClick={() => onRemap(i.agentId)}>
                  Find a match
                </Button>
              ) : null}
            </>
          ) : i.group === 'ambiguous' ? (
            <Select
              aria-label={`Teams user for ${i.agentName}`}
              value={chosen ?? ''}
              onChange={(_, d) => setChoice(i.agentId, d.value || null)}
            >
              <option value="">Leave unmapped for now</option>
              {i.candidates.map((c) => (
                <option key={c.userId} value={c.userId}>
                  {c.displayName ?? c.userPrincipalName} ({c.userPrincipalName}) — {signalText(c.signal)}
                </option>
              ))}
            </Select>
          ) : (
            <Checkbox
              checked={chosen !== null}
              onChange={(_, d) => setChoice(i.agentId, d.checked ? i.candidates[0]!.userId : null)}
              label={`${i.candidates[0]?.displayName ?? ''} (${i.candidates[0]?.userPrincipalName ?? i.candidates[0]?.userId}) — ${signalText(i.signal)}`}
            />
          )}
          {i.note ? <Caption1 block>{i.note}</Caption1> : null}
          {err ? (
            <Caption1 block className={styles.error} role="alert">
              {err}
            </Caption1>
          ) : null}
        </div>
      </fieldset>
    );
  };

  return (
    <section className={styles.root} aria-label="Auto-map review">
      <div className={styles.summary}>
        {(Object.keys(GROUP_LABEL) as ConfidenceGroup[]).map((g) => (
          <Badge key={g} appearance="tint" color={COLOR[g]}>
            {GROUP_LABEL[g]}: {groups[g].length}
          </Badge>
        ))}
      </div>
      {(Object.keys(GROUP_LABEL) as ConfidenceGroup[]).map((g) =>
        groups[g].length === 0 ? null : (
          <section key={g} className={styles.group} aria-label={GROUP_LABEL[g]}>
            <div className={styles.bar}>
              <Subtitle2 as="h3">
                {GROUP_LABEL[g]} ({groups[g].length})
              </Subtitle2>
              {g === 'exact' || g === 'likely' ? (
                <>
                  <Button size="small" appearance="subtle" onClick={() => setGroup(g, true)}>
                    Select all
                  </Button>
                  <Button size="small" appearance="subtle" onClick={() => setGroup(g, false)}>
                    Select none
                  </Button>
                </>
              ) : null}
            </div>
            <div className={styles.list}>{(expanded.has(g) ? groups[g] : groups[g].slice(0, PAGE)).map(row)}</div>
            {groups[g].length > PAGE && !expanded.has(g) ? (
              <Button size="small" onClick={() => setExpanded((e) => new Set(e).add(g))}>
                Show all {groups[g].length}
              </Button>
            ) : null}
          </section>
        ),
      )}
      <div className={styles.bar}>
        <Button
          appearance="primary"
          disabled={pairs.length === 0 || problems.length > 0 || confirming}
          onClick={() => onConfirm(pairs)}
        >
          {confirming ? (
            <Spinner size="tiny" label="Confirming…" />
          ) : (
            `Confirm ${pairs.length} mapping${pairs.length === 1 ? '' : 's'}`
          )}
        </Button>
        {problems.length > 0 ? <Text role="status">Each Teams user can be mapped to one agent only.</Text> : null}
      </div>
    </section>
  );
}
