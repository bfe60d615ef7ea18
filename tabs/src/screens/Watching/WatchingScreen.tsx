import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';

export function WatchingScreen(_props: Record<string, unknown>) {
  return <PageHeader title="Presence watching" />;
}
