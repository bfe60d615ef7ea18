import type { NavItem } from '../components/PageNav/PageNav.tsx';

export const NAV_ITEMS: readonly NavItem[] = [
  { page: 'start', label: 'Get started' },
  { page: 'connection', label: 'Connection' },
  { page: 'users', label: 'Users' },
  { page: 'rules', label: 'Rules' },
  { page: 'watching', label: 'Presence watching' },
  { page: 'activity', label: 'Activity' },
];
