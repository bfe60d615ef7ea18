import { Subtitle2, Text } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { useEmptyStateStyles } from './EmptyState.styles.ts';

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  const styles = useEmptyStateStyles();
  return (
    <section className={styles.root} aria-label={title}>
      <Subtitle2 as="h3">{title}</Subtitle2>
      {children ? <Text>{children}</Text> : null}
      {action}
    </section>
  );
}
