import { escapeHtml } from '../http.ts';

/** The emulator's sign-in pages: plain HTML forms, so tests and headless browsers can drive them. */
const layout = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.6rem 0 .2rem}input[type=text],input[type=password],input[type=email]{width:100%;padding:.4rem}
button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#a4262c}.note{color:#605e5c;font-size:.9rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}<p class="note">Microsoft identity emulator — not a real sign-in.</p></body></html>`;

export function signInPage(o: {
  action: string;
  hidden: Record<string, string>;
  loginHint: string;
  error?: string;
  appName: string;
}): string {
  const hidden = Object.entries(o.hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return layout(
    'Sign in',
    `<p>to continue to <strong>${escapeHtml(o.appName)}</strong></p>
${o.error ? `<p class="error" role="alert">${escapeHtml(o.error)}</p>` : ''}
<form method="post" action="${escapeHtml(o.action)}">${hidden}
<label for="username">Email or username</label><input id="username" name="username" type="email" autocomplete="username" value="${escapeHtml(o.loginHint)}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`,
  );
}

export function deviceLoginPage(o: { action: string; code: string; error?: string; done?: string }): string {
  if (o.done) return layout('Device sign-in', `<p role="status">${escapeHtml(o.done)}</p>`);
  return layout(
    'Enter code',
    `${o.error ? `<p class="error" role="alert">${escapeHtml(o.error)}</p>` : ''}
<form method="post" action="${escapeHtml(o.action)}">
<label for="user_code">Code</label><input id="user_code" name="user_code" type="text" value="${escapeHtml(o.code)}" required>
<label for="username">Email or username</label><input id="username" name="username" type="email" required>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit" name="decision" value="approve">Sign in</button>
<button type="submit" name="decision" value="decline" formnovalidate>Cancel</button></form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<p>${escapeHtml(message)}</p>`);
}

/** response_mode=form_post: the browser posts the result to the redirect URI. */
export function formPostPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Working…</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}
