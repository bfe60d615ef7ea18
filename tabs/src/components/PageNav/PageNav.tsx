import { mergeClasses } from '@fluentui/react-components';
import type { MouseEvent } from 'react';
import { hrefFor, navigate, type PageId } from '../../routing/router.ts';
import { usePageNavStyles } from './PageNav.styles.ts';

export interface NavItem {
  page: PageId;
  label: string;
}

/** Plain links (so they work with keyboard, middle-click and screen readers), routed in place. */
export function PageNav({ items, current, label }: { items: readonly NavItem[]; current: PageId; label: string }) {
  const styles = usePageNavStyles();
  const go = (e: MouseEvent<HTMLAnchorElement>, page: PageId) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(page);
  };
  return (
    <nav aria-label={label}>
      <ul className={styles.list}>
        {items.map((item) => (
          <li key={item.page}>
            <a
              href={hrefFor(item.page)}
              className={mergeClasses(styles.link, item.page === current && styles.current)}
              aria-current={item.page === current ? 'page' : undefined}
              onClick={(e) => go(e, item.page)}
            >
              {item.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
