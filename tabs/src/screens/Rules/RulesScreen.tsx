import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';

export function RulesScreen(_props: Record<string, unknown>) {
  return <PageHeader title="Rules" />;
}
