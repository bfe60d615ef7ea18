import { useEffect, useState } from 'react';
import { useCountdownStyles } from './Countdown.styles.ts';

export function formatRemaining(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const text =
    s >= 3600
      ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
      : s >= 60
        ? `${Math.floor(s / 60)} min ${s % 60} s`
        : `${s} s`;
  return ms < 0 ? `expired ${text} ago` : `in ${text}`;
}

/** A live expiry countdown from a server-measured "ms remaining" (no dependence on the client's clock skew). */
export function Countdown({ remainingMs, soonMs = 10 * 60_000 }: { remainingMs: number; soonMs?: number }) {
  const styles = useCountdownStyles();
  const [start] = useState(() => performance.now());
  const [, tick] = useState(0);
  useEffect(() => {
    const t = window.setInterval(() => tick((n) => n + 1), 1000);
    return () => window.clearInterval(t);
  }, []);
  const left = remainingMs - (performance.now() - start);
  return <span className={left < 0 ? styles.past : left < soonMs ? styles.soon : undefined}>{formatRemaining(left)}</span>;
}
