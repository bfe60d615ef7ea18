/**
 * Links that open the Presence Sync tab from a card. With the Teams app id known, a Teams deep link
 * to the static tab (entityId `presence-sync-admin` in appPackage/manifest.json) that opens the page;
 * otherwise the tab's web address (it also runs outside Teams). Pure.
 */
export const TAB_ENTITY_ID = 'presence-sync-admin';

/** Tab pages (tabs/src/routing/router.ts). */
export type TabPage = 'start' | 'connection' | 'users' | 'rules' | 'watching' | 'activity' | 'config';

export function tabLink(opts: { baseUrl: string; teamsAppId?: string | undefined }, page: TabPage): string {
  const web = `${opts.baseUrl.replace(/\/$/, '')}/tab/${page === 'start' ? '' : page}`;
  if (!opts.teamsAppId) return web;
  const context = JSON.stringify({ subEntityId: page });
  return `https://teams.microsoft.com/l/entity/${encodeURIComponent(opts.teamsAppId)}/${TAB_ENTITY_ID}?webUrl=${encodeURIComponent(web)}&label=${encodeURIComponent('Presence Sync')}&context=${encodeURIComponent(context)}`;
}
