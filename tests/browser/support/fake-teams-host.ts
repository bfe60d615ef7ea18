/**
 * A stand-in Teams client for the browser tests: a page that frames the tab and answers teams-js's
 * postMessage protocol (initialize, getContext, authentication.getAuthToken, settings.* for the
 * configuration page, themeChange). It is served at the tab's own origin, which teams-js accepts as a
 * valid parent. Everything it sees is recorded in `window.hostLog` for the test to read.
 */
export function fakeTeamsHostPage(o: {
  tabPath: string;
  frameContext: 'content' | 'settings';
  token: string;
  upn: string;
  theme: 'default' | 'dark';
}): string {
  const config = JSON.stringify(o);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Teams</title>
<style>html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%}</style></head>
<body><iframe id="tab" title="Presence Sync tab" src="${o.tabPath}"></iframe>
<script>
const cfg = ${config};
window.hostLog = { calls: [], saved: null, saveResult: null };
const runtime = JSON.stringify({
  apiVersion: 4,
  isLegacyTeams: false,
  supports: { appInstallDialog: {}, authentication: {}, pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} }, teamsCore: {} },
});
const frame = document.getElementById('tab');
function reply(msg, args) { frame.contentWindow.postMessage({ id: msg.id, uuidAsString: msg.uuidAsString, args }, location.origin); }
window.sendToTab = (func, args) => frame.contentWindow.postMessage({ func, args }, location.origin);
window.addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow || !e.data || typeof e.data.func !== 'string') return;
  const msg = e.data;
  window.hostLog.calls.push(msg.func);
  switch (msg.func) {
    case 'initialize':
      return reply(msg, [cfg.frameContext, 'web', runtime, '2.58.0']);
    case 'getContext':
      return reply(msg, [{
        locale: 'en-us', theme: cfg.theme, frameContext: cfg.frameContext, hostClientType: 'web',
        userPrincipalName: cfg.upn, loginHint: cfg.upn, userObjectId: 'x', tid: 'x', entityId: 'presence-sync-admin',
        appSessionId: '00000000-0000-0000-0000-000000000001', hostName: 'Teams',
      }]);
    case 'authentication.getAuthToken':
      return reply(msg, [true, cfg.token]);
    case 'settings.setSettings':
      window.hostLog.saved = msg.args[0];
      return reply(msg, [true]);
    case 'settings.save.success':
      window.hostLog.saveResult = 'success';
      return;
    case 'settings.save.failure':
      window.hostLog.saveResult = 'failure: ' + msg.args[0];
      return;
    default:
      return; // one-way notifications (appInitialization.success, registerHandler, settings.setValidityState…)
  }
});
</script></body></html>`;
}
