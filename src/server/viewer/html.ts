// The few pages the server renders itself (no JS, no assets): the sign-in form, and what /ui/ says when the
// viewer was not built. Everything interpolated is escaped.

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.3rem}input[type=password]{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{margin-top:.75rem;padding:.45rem 1rem;font:inherit}.error{color:#b42318}code{background:#f3f4f6;padding:0 .2rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} · sema4-demo</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

export function signInPage(options: { next: string; error?: string; orgName?: string }): string {
  const accepted = options.orgName
    ? `the service's <code>ADMIN_TOKEN</code>, or a Braintrust API key of the org <code>${escape(options.orgName)}</code>`
    : `the service's <code>ADMIN_TOKEN</code>`;
  return page(
    "Sign in",
    `<h1>Sign in to the viewer</h1>
<p>Paste ${accepted}. It is checked once; the browser then keeps a session cookie, not the token.</p>
${options.error ? `<p class="error" role="alert">${escape(options.error)}</p>` : ""}
<form method="post" action="/ui/sign-in">
<input type="hidden" name="next" value="${escape(options.next)}">
<label for="token">Token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function notBuiltPage(webDir: string): string {
  return page(
    "Viewer not built",
    `<h1>The viewer is not built</h1>
<p>This service serves the viewer's pages from <code>${escape(webDir)}</code>, which has no <code>index.html</code>.
Run <code>npm run build</code>, then reload. The data API (<code>/api/…</code>) works without it.</p>`,
  );
}

/** A page that reloads itself: the reload is a same-site navigation, so it carries the SameSite=Strict cookie. */
export function reloadPage(): string {
  return page("Opening", `<meta http-equiv="refresh" content="0"><p>Opening the viewer…</p>`);
}
