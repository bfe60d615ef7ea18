import { Skeleton, SkeletonItem } from '@fluentui/react-components';
import { useLoadingSkeletonStyles } from './LoadingSkeleton.styles.ts';

/** Placeholder rows while a screen loads; announced once to screen readers. */
export function LoadingSkeleton({ rows = 4, label = 'Loading' }: { rows?: number; label?: string }) {
  const styles = useLoadingSkeletonStyles();
  return (
    <Skeleton className={styles.root} aria-label={label} aria-busy="true">
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholder rows
        <div className={styles.row} key={i}>
          <SkeletonItem size={16} />
          <SkeletonItem size={16} />
          <SkeletonItem size={16} />
        </div>
      ))}
    </Skeleton>
  );
}
