import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';

export function ActivityScreen(_props: Record<string, unknown>) {
  return <PageHeader title="Activity" />;
}
