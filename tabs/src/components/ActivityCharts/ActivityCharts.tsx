import { tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { HourBucket, ReasonCount } from '../../activity/stats.ts';
import { useActivityChartsStyles } from './ActivityCharts.styles.ts';

const axis = { stroke: tokens.colorNeutralForeground3, fontSize: 11 };
const tooltipStyle = {
  contentStyle: {
    background: tokens.colorNeutralBackground1,
    border: `1px solid ${tokens.colorNeutralStroke1}`,
    color: tokens.colorNeutralForeground1,
  },
};

function ChartFigure({
  title,
  summary,
  empty,
  children,
}: {
  title: string;
  summary: string;
  empty: boolean;
  children: ReactNode;
}) {
  const styles = useActivityChartsStyles();
  return (
    <figure className={styles.figure} aria-label={title}>
      <figcaption className={styles.caption}>{title}</figcaption>
      {/* The chart is drawn for sighted users; the sentence carries the same numbers for screen readers. */}
      <p className={styles.srOnly}>{summary}</p>
      {empty ? (
        <div className={styles.empty}>No data in the last 24 hours</div>
      ) : (
        <div className={styles.chart} aria-hidden="true">
          {children}
        </div>
      )}
    </figure>
  );
}

/** Changes, failures by reason and sync delay over the last 24 hours (recharts, themed with Fluent tokens). */
export function ActivityCharts({ hours, failures }: { hours: readonly HourBucket[]; failures: readonly ReasonCount[] }) {
  const styles = useActivityChartsStyles();
  const totalChanges = hours.reduce((n, h) => n + h.changes, 0);
  const totalFailures = hours.reduce((n, h) => n + h.failures, 0);
  const delays = hours.filter((h) => h.delayP95 !== null);
  const data = hours.map((h) => ({ ...h }));
  return (
    <div className={styles.grid}>
      <ChartFigure
        title="Status changes per hour"
        summary={`${totalChanges} changes and ${totalFailures} failures in the last 24 hours.`}
        empty={totalChanges + totalFailures === 0}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} accessibilityLayer={false}>
            <CartesianGrid stroke={tokens.colorNeutralStroke2} vertical={false} />
            <XAxis dataKey="label" tick={axis} interval={3} />
            <YAxis allowDecimals={false} tick={axis} width={32} />
            <Tooltip {...tooltipStyle} />
            <Legend />
            <Bar dataKey="changes" name="Changes" fill={tokens.colorBrandBackground} isAnimationActive={false} />
            <Bar dataKey="failures" name="Failures" fill={tokens.colorPaletteRedBackground3} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </ChartFigure>
      <ChartFigure
        title="Failures by reason"
        summary={
          failures.length === 0 ? 'No failures in the last 24 hours.' : failures.map((f) => `${f.label}: ${f.count}`).join('; ')
        }
        empty={failures.length === 0}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={[...failures]} layout="vertical" accessibilityLayer={false} margin={{ left: 8 }}>
            <CartesianGrid stroke={tokens.colorNeutralStroke2} horizontal={false} />
            <XAxis type="number" allowDecimals={false} tick={axis} />
            <YAxis type="category" dataKey="reason" tick={axis} width={130} />
            <Tooltip {...tooltipStyle} />
            <Bar dataKey="count" name="Failures" fill={tokens.colorPaletteRedBackground3} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </ChartFigure>
      <ChartFigure
        title="Sync delay (ms)"
        summary={
          delays.length === 0
            ? 'No measured delays in the last 24 hours.'
            : `Worst hourly 95th percentile: ${Math.max(...delays.map((h) => h.delayP95 ?? 0))} ms.`
        }
        empty={delays.length === 0}
      >
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} accessibilityLayer={false}>
            <CartesianGrid stroke={tokens.colorNeutralStroke2} vertical={false} />
            <XAxis dataKey="label" tick={axis} interval={3} />
            <YAxis tick={axis} width={44} />
            <Tooltip {...tooltipStyle} />
            <Legend />
            <Line
              dataKey="delayP50"
              name="Median"
              stroke={tokens.colorBrandForeground1}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
            <Line
              dataKey="delayP95"
              name="95th percentile"
              stroke={tokens.colorPaletteDarkOrangeForeground1}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </ChartFigure>
    </div>
  );
}
