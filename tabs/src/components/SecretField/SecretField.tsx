import { Badge, Caption1, Field, Input } from '@fluentui/react-components';
import { useSecretFieldStyles } from './SecretField.styles.ts';

export interface SecretState {
  set: boolean;
  updatedAt: string | null;
}

/**
 * A write-only secret: the stored value is never shown (the API never returns it); typing replaces it.
 */
export function SecretField({
  label,
  state,
  value,
  onChange,
  error,
  required,
}: {
  label: string;
  state: SecretState | null;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  required?: boolean;
}) {
  const styles = useSecretFieldStyles();
  const hint = state?.set
    ? 'Stored encrypted. Leave empty to keep it; type a new value to replace it.'
    : 'Stored encrypted; never shown again.';
  return (
    <Field
      label={label}
      required={required && !state?.set}
      hint={hint}
      validationMessage={error}
      validationState={error ? 'error' : 'none'}
    >
      <Input
        type="password"
        value={value}
        onChange={(_, d) => onChange(d.value)}
        autoComplete="new-password"
        placeholder={state?.set ? '•••••••• (unchanged)' : ''}
      />
      <span className={styles.state}>
        {state?.set ? (
          <Badge appearance="tint" color="success">
            Set
          </Badge>
        ) : (
          <Badge appearance="tint" color="warning">
            Not set
          </Badge>
        )}
        {state?.updatedAt ? <Caption1>updated {new Date(state.updatedAt).toLocaleString()}</Caption1> : null}
      </span>
    </Field>
  );
}
