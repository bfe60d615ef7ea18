import { Button, Field, Input, Spinner, Switch, Text } from '@fluentui/react-components';
import { type FormEvent, useMemo } from 'react';
import type { FieldProblem } from '../../api/client.ts';
import type { RuleInput, RuleRow, UnavailableCode } from '../../domain.ts';
import { checkRule, messagesUnder, newRow, withServerProblems } from '../../rules/ruleDraft.ts';
import { RuleRowEditor } from '../RuleRowEditor/RuleRowEditor.tsx';
import { useRuleEditorStyles } from './RuleEditor.styles.ts';

export interface RuleEditorProps {
  value: RuleInput;
  onChange(value: RuleInput): void;
  onSave(value: RuleInput): void;
  onCancel?: () => void;
  codes: readonly UnavailableCode[] | undefined;
  /** Field problems from the server's last 400 for this draft. */
  serverProblems?: readonly FieldProblem[];
  saving?: boolean;
  saveLabel?: string;
}

/**
 * The rule editor. Validation is the shared domain module's (schema + validateRule + ruleWarnings),
 * shown inline beside each field as the admin types; Save stays disabled while anything is invalid.
 */
export function RuleEditor({
  value,
  onChange,
  onSave,
  onCancel,
  codes,
  serverProblems = [],
  saving,
  saveLabel = 'Save rule',
}: RuleEditorProps) {
  const styles = useRuleEditorStyles();
  const check = useMemo(() => withServerProblems(checkRule(value, codes), serverProblems), [value, codes, serverProblems]);
  const localOk = useMemo(() => checkRule(value, codes).ok, [value, codes]);
  const nameErrors = messagesUnder(check.errors, 'name');
  const rowsErrors = check.errors.get('rows') ?? [];
  const errorCount = [...check.errors.values()].reduce((n, v) => n + v.length, 0);

  const setRow = (i: number, row: RuleRow) => onChange({ ...value, rows: value.rows.map((r, j) => (j === i ? row : r)) });
  const removeRow = (i: number) => onChange({ ...value, rows: value.rows.filter((_, j) => j !== i) });
  const moveRow = (i: number, delta: -1 | 1) => {
    const rows = [...value.rows];
    const j = i + delta;
    if (j < 0 || j >= rows.length) return;
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    onChange({ ...value, rows });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (localOk) onSave(value);
  };

  return (
    <form className={styles.root} onSubmit={submit} aria-label="Rule editor" noValidate>
      <div className={styles.head}>
        <Field
          label="Rule name"
          required
          validationState={nameErrors.length ? 'error' : 'none'}
          validationMessage={nameErrors.length ? `Name ${nameErrors.join(' ')}` : undefined}
        >
          <Input value={value.name} onChange={(_, d) => onChange({ ...value, name: d.value })} maxLength={120} />
        </Field>
        <Switch
          checked={value.isDefault}
          onChange={(_, d) => onChange({ ...value, isDefault: d.checked })}
          label="Default for the business unit"
        />
      </div>
      {rowsErrors.length > 0 ? <Text role="alert">{rowsErrors.join(' ')}</Text> : null}
      <div className={styles.rows}>
        {value.rows.map((row, i) => (
          <RuleRowEditor
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
            key={i}
            index={i}
            row={row}
            count={value.rows.length}
            codes={codes}
            errors={check.errors}
            warnings={check.warnings}
            onChange={(r) => setRow(i, r)}
            onRemove={() => removeRow(i)}
            onMove={(d) => moveRow(i, d)}
          />
        ))}
      </div>
      <div className={styles.bar}>
        <Button onClick={() => onChange({ ...value, rows: [...value.rows, newRow()] })}>Add row</Button>
        <Button appearance="primary" type="submit" disabled={!localOk || saving}>
          {saving ? <Spinner size="tiny" label="Saving…" /> : saveLabel}
        </Button>
        {onCancel ? <Button onClick={onCancel}>Cancel</Button> : null}
        <Text className={styles.status} aria-live="polite">
          {errorCount > 0
            ? `${errorCount} problem${errorCount === 1 ? '' : 's'} to fix before saving`
            : value.rows.length === 0
              ? 'A rule without rows matches nothing'
              : 'Ready to save'}
        </Text>
      </div>
    </form>
  );
}
