import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';

export function ConnectionScreen(_props: Record<string, unknown>) {
  return <PageHeader title="Connection" />;
}
