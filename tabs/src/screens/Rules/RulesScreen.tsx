import { Button, Subtitle1, Tab, TabList } from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client.ts';
import { listTeamIds } from '../../api/mappings.ts';
import {
  createRule,
  deleteRule,
  listAssignments,
  listRules,
  listUnavailableCodes,
  type RuleView,
  updateRule,
} from '../../api/rules.ts';
import { useQuery } from '../../api/useQuery.ts';
import { useNotify, useServices } from '../../app/services.tsx';
import { EmptyState } from '../../components/EmptyState/EmptyState.tsx';
import { ErrorBar } from '../../components/ErrorBar/ErrorBar.tsx';
import { LoadingSkeleton } from '../../components/LoadingSkeleton/LoadingSkeleton.tsx';
import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';
import { RuleAssignments } from '../../components/RuleAssignments/RuleAssignments.tsx';
import { RuleEditor } from '../../components/RuleEditor/RuleEditor.tsx';
import { RuleList } from '../../components/RuleList/RuleList.tsx';
import { RulePreview } from '../../components/RulePreview/RulePreview.tsx';
import type { RuleInput } from '../../domain.ts';
import { navigate, useSearchState } from '../../routing/router.ts';
import { newRule } from '../../rules/ruleDraft.ts';
import { useRulesStyles } from './RulesScreen.styles.ts';

type Section = 'rows' | 'assign' | 'preview';

/** Rules: list, editor, assignments, preview. URL: ?rule=<id>|new&section=rows|assign|preview&agent=<id> */
export function RulesScreen() {
  const styles = useRulesStyles();
  const { api, connectionId } = useServices();
  const [params, setParams] = useSearchState();
  const selected = params.get('rule');
  const section = (params.get('section') as Section | null) ?? 'rows';
  const key = connectionId ? `rules:${connectionId}` : null;
  const rules = useQuery(key, () => listRules(api, connectionId!));
  const assignments = useQuery(key && `${key}:assignments`, () => listAssignments(api, connectionId!));
  const codes = useQuery(key && `${key}:codes`, () => listUnavailableCodes(api, connectionId!));
  const teams = useQuery(key && section === 'assign' ? `${key}:teams` : null, () => listTeamIds(api, connectionId!));

  if (!connectionId)
    return (
      <>
        <PageHeader title="Rules" />
        <EmptyState
          title="No connection yet"
          action={<Button onClick={() => navigate('connection')}>Set up the connection</Button>}
        >
          Rules need a connected CXone business unit.
        </EmptyState>
      </>
    );

  const rule = rules.data?.find((r) => r.id === selected) ?? null;
  const select = (id: string) => setParams({ rule: id, section: null, agent: null }, { push: true });

  return (
    <>
      <PageHeader
        title="Rules"
        description="A rule says which CXone state shows as which Teams presence, and which Teams presence sets which CXone state. Only combinations Microsoft Graph accepts can be chosen."
        actions={
          <Button appearance="primary" onClick={() => setParams({ rule: 'new', section: null }, { push: true })}>
            New rule
          </Button>
        }
      />
      <ErrorBar error={rules.error ?? assignments.error} title="Could not load rules" onRetry={rules.reload} />
      {rules.loading && !rules.data ? (
        <LoadingSkeleton rows={5} label="Loading rules" />
      ) : (
        <div className={styles.layout}>
          <aside className={styles.side} aria-label="Rule list">
            {rules.data && rules.data.length > 0 ? (
              <RuleList rules={rules.data} assignments={assignments.data ?? []} selected={selected} onSelect={select} />
            ) : (
              <EmptyState title="No rules yet">Create the first rule: for example, inbound contact → Busy, In a call.</EmptyState>
            )}
          </aside>
          <div className={styles.main}>
            {selected === 'new' ? (
              <RuleDraftEditor
                key="new"
                initial={newRule()}
                codes={codes.data}
                onSaved={(r) => {
                  rules.reload();
                  setParams({ rule: r.id, section: 'assign' });
                }}
                onCancel={() => setParams({ rule: null })}
              />
            ) : rule ? (
              <>
                <Subtitle1 as="h2">{rule.name}</Subtitle1>
                <TabList
                  selectedValue={section}
                  onTabSelect={(_, d) => setParams({ section: d.value === 'rows' ? null : String(d.value) })}
                >
                  <Tab value="rows">Rows</Tab>
                  <Tab value="assign">Assignments</Tab>
                  <Tab value="preview">Preview</Tab>
                </TabList>
                {section === 'assign' ? (
                  <RuleAssignments
                    rule={rule}
                    assignments={assignments.data ?? []}
                    teams={teams.data ?? []}
                    onChanged={() => {
                      assignments.reload();
                      rules.reload();
                    }}
                  />
                ) : section === 'preview' ? (
                  <RulePreview agentId={params.get('agent')} onAgentChange={(a) => setParams({ agent: a })} />
                ) : (
                  <RuleDraftEditor
                    key={`${rule.id}:${rule.version}`}
                    rule={rule}
                    initial={{ name: rule.name, rows: rule.rows, isDefault: rule.isDefault }}
                    codes={codes.data}
                    onSaved={() => rules.reload()}
                    onDeleted={() => {
                      rules.reload();
                      assignments.reload();
                      setParams({ rule: null, section: null });
                    }}
                  />
                )}
              </>
            ) : (
              <EmptyState title={selected ? 'This rule no longer exists' : 'Choose a rule'}>
                Pick a rule on the left, or create a new one.
              </EmptyState>
            )}
          </div>
        </div>
      )}
    </>
  );
}

function RuleDraftEditor({
  rule,
  initial,
  codes,
  onSaved,
  onCancel,
  onDeleted,
}: {
  rule?: RuleView;
  initial: RuleInput;
  codes: Parameters<typeof RuleEditor>[0]['codes'];
  onSaved(r: RuleView): void;
  onCancel?: () => void;
  onDeleted?: () => void;
}) {
  const { api, connectionId } = useServices();
  const notify = useNotify();
  const [draft, setDraft] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const save = async (value: RuleInput) => {
    setSaving(true);
    setError(null);
    try {
      const saved = rule
        ? await updateRule(api, connectionId!, rule.id, { ...value, version: rule.version })
        : await createRule(api, connectionId!, value);
      notify(rule ? 'Rule saved' : 'Rule created', 'success', 'Agents using it are re-synced now.');
      onSaved(saved);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    if (!rule || !window.confirm(`Delete the rule “${rule.name}” and its assignments?`)) return;
    try {
      await deleteRule(api, connectionId!, rule.id);
      notify('Rule deleted');
      onDeleted?.();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    }
  };
  return (
    <>
      <ErrorBar error={error} title="Could not save the rule" />
      <RuleEditor
        value={draft}
        onChange={(v) => {
          setDraft(v);
          setError(null);
        }}
        onSave={(v) => void save(v)}
        onCancel={onCancel}
        codes={codes}
        serverProblems={error?.fields}
        saving={saving}
        saveLabel={rule ? 'Save rule' : 'Create rule'}
      />
      {rule ? (
        <div>
          <Button appearance="subtle" onClick={() => void remove()}>
            Delete rule
          </Button>
        </div>
      ) : null}
    </>
  );
}
