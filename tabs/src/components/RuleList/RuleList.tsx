import { Badge, Caption1, mergeClasses, Text } from '@fluentui/react-components';
import type { Assignment, RuleView } from '../../api/rules.ts';
import { useRuleListStyles } from './RuleList.styles.ts';

export function RuleList({
  rules,
  assignments,
  selected,
  onSelect,
}: {
  rules: readonly RuleView[];
  assignments: readonly Assignment[];
  selected: string | null;
  onSelect(id: string): void;
}) {
  const styles = useRuleListStyles();
  return (
    <ul className={styles.list} aria-label="Rules">
      {rules.map((r) => {
        const teams = assignments.filter((a) => a.ruleId === r.id && a.targetType === 'team').length;
        const users = assignments.filter((a) => a.ruleId === r.id && a.targetType === 'user').length;
        return (
          <li key={r.id}>
            <button
              type="button"
              className={mergeClasses(styles.item, r.id === selected && styles.selected)}
              aria-current={r.id === selected ? 'true' : undefined}
              onClick={() => onSelect(r.id)}
            >
              <Text weight="semibold">
                {r.name}{' '}
                {r.isDefault ? (
                  <Badge appearance="tint" color="brand">
                    Default
                  </Badge>
                ) : null}
              </Text>
              <Caption1 className={styles.meta}>
                {r.rows.length} row{r.rows.length === 1 ? '' : 's'} · {teams} team{teams === 1 ? '' : 's'} · {users} agent
                {users === 1 ? '' : 's'}
                {r.warnings.length ? ` · ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}` : ''}
              </Caption1>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
