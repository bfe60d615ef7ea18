import { Button, Subtitle1, Text } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { PageId } from '../../routing/router.ts';
import { type NavItem, PageNav } from '../PageNav/PageNav.tsx';
import { useAppShellStyles } from './AppShell.styles.ts';

export interface AppShellProps {
  items: readonly NavItem[];
  current: PageId;
  userName: string | null;
  connectionSwitcher?: ReactNode;
  onSignOut?: () => void;
  children: ReactNode;
}

export function AppShell({ items, current, userName, connectionSwitcher, onSignOut, children }: AppShellProps) {
  const styles = useAppShellStyles();
  return (
    <div className={styles.root}>
      <a className={styles.skip} href="#main">
        Skip to content
      </a>
      <header className={styles.top}>
        <div className={styles.brand}>
          <Subtitle1 as="p">Presence Sync</Subtitle1>
          <Text size={200}>CXone ⇄ Teams</Text>
        </div>
        <div className={styles.side}>
          {connectionSwitcher}
          {userName ? <Text aria-label="Signed in as">{userName}</Text> : null}
          {onSignOut ? (
            <Button appearance="subtle" onClick={onSignOut}>
              Sign out
            </Button>
          ) : null}
        </div>
      </header>
      <aside className={styles.nav}>
        <PageNav items={items} current={current} label="Presence Sync pages" />
      </aside>
      <main id="main" className={styles.main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
