import { pages } from '@microsoft/teams-js';
import { BASE, type PageId } from '../routing/router.ts';

/** What a channel tab pins: which page it opens and its name. Pure, so the config page can preview it. */
export interface ChannelTabChoice {
  page: Exclude<PageId, 'config'>;
  name: string;
}

export interface TabInstanceConfig {
  contentUrl: string;
  websiteUrl: string;
  entityId: string;
  suggestedDisplayName: string;
}

export function tabConfigFor(origin: string, choice: ChannelTabChoice): TabInstanceConfig {
  const path = choice.page === 'start' ? BASE : `${BASE}${choice.page}`;
  return {
    contentUrl: `${origin}${path}?inTeams=1`,
    websiteUrl: `${origin}${path}`,
    entityId: `presence-sync-${choice.page}`,
    suggestedDisplayName: choice.name.trim() || 'Presence Sync',
  };
}

/**
 * Wires the Teams configuration dialog: Save is enabled while the choice is valid, and saving pins the tab.
 * Returns a function that updates the current choice.
 */
export function bindTeamsConfig(origin: string, initial: ChannelTabChoice): (choice: ChannelTabChoice) => void {
  let current = initial;
  pages.config.registerOnSaveHandler((event) => {
    pages.config.setConfig(tabConfigFor(origin, current)).then(
      () => event.notifySuccess(),
      (err: unknown) => event.notifyFailure(err instanceof Error ? err.message : String(err)),
    );
  });
  const update = (choice: ChannelTabChoice) => {
    current = choice;
    pages.config.setValidityState(choice.name.trim().length > 0);
  };
  update(initial);
  return update;
}
