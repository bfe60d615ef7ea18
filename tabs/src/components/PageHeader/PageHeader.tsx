import { Body1, Title3 } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { usePageHeaderStyles } from './PageHeader.styles.ts';

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  const styles = usePageHeaderStyles();
  return (
    <header className={styles.root}>
      <div className={styles.text}>
        <Title3 as="h1">{title}</Title3>
        {description ? <Body1>{description}</Body1> : null}
      </div>
      {actions ? <div className={styles.actions}>{actions}</div> : null}
    </header>
  );
}
