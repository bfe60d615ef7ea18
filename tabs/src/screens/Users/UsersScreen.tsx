import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';

export function UsersScreen(_props: Record<string, unknown>) {
  return <PageHeader title="Users" />;
}
