import { Button, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { ApiError } from '../../api/client.ts';
import { useErrorBarStyles } from './ErrorBar.styles.ts';

/** The server's own message (and per-field problems), with a retry when one makes sense. */
export function ErrorBar({ error, title, onRetry }: { error: ApiError | Error | null; title?: string; onRetry?: () => void }) {
  const styles = useErrorBarStyles();
  if (!error) return null;
  const fields = 'fields' in error ? error.fields : [];
  return (
    <MessageBar intent="error" className={styles.root} role="alert" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title ?? 'Something went wrong'}</MessageBarTitle>
        {error.message}
        {fields.length > 0 ? (
          <ul className={styles.fields}>
            {fields.map((f) => (
              <li key={f.field}>
                {f.field}: {f.problem}
              </li>
            ))}
          </ul>
        ) : null}
      </MessageBarBody>
      {onRetry ? (
        <MessageBarActions>
          <Button onClick={onRetry}>Retry</Button>
        </MessageBarActions>
      ) : null}
    </MessageBar>
  );
}
