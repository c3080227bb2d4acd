// The demo's OpenID Connect provider (make run; scripts/identity_provider.py starts it):
// oidc-provider, a certified implementation, on 127.0.0.1 with the demo's users and one
// client, the Prefect UI's sign-in layer. An authority uses its own provider instead
// (Entra ID, Google Workspace, Keycloak: README, "Sign-in and roles").
//
//   node provider.mjs CONFIG.json
//
// CONFIG (written 0600 by scripts/identity_provider.py): issuer, port, cookie_key, jwk (the
// private signing key), clients, users {login: {password, claims}}. The authorisation-code
// flow only, PKCE required; claims in the ID token; one sign-in page (login and password),
// no consent page for the configured clients; sign-out ends the provider's session too.
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = config.users;
const CLAIMS = ['staff_id', 'groups', 'name', 'email'];

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function same(given, expected) {
  const a = Buffer.from(String(given ?? ''));
  const b = Buffer.from(String(expected));
  return a.length === b.length && timingSafeEqual(a, b);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escape(title)}</title>
<body style="font-family:sans-serif;max-width:28em;margin:4em auto">
<h1>${escape(title)}</h1>${body}</body></html>`;
}

function loginForm(uid, error) {
  return page('Sign in', `<p>Demo identity provider (make run)</p>
${error ? `<p role="alert" style="color:#b00">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<p><label>Login <input name="login" autocomplete="username" required autofocus></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p></form>`);
}

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: [config.jwk] },
  cookies: { keys: [config.cookie_key] },
  claims: { openid: ['sub', ...CLAIMS] },
  conformIdTokenClaims: false, // the person's id and groups in the ID token itself
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // No "are you sure" page: the sign-in layer asked already.
      // (The provider ends its own session only when the form says logout=yes.)
      logoutSource: async (ctx, form) => {
        const yes = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
        ctx.body = page('Signing out', `${yes}<script>document.forms[0].submit()</script>`
          + '<noscript><button form="op.logoutForm">Sign out</button></noscript>');
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Signed out', '<p>You have signed out.</p>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The configured clients are this system's own: no consent page.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid');
    grant.addOIDCClaims(CLAIMS);
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, id) => {
    const user = Object.values(users).find((u) => u.claims.sub === id);
    if (!user) return undefined;
    return { accountId: id, claims: async () => ({ ...user.claims }) };
  },
  ttl: {
    AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 900,
    Session: 8 * 3600, Grant: 8 * 3600,
  },
});
provider.proxy = false;

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return next();
  ctx.set('cache-control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = loginForm(details.uid);
    return undefined;
  }
  const form = await formBody(ctx.req);
  const user = users[form.get('login')];
  if (!user || !same(form.get('password'), user.password)) {
    ctx.status = 401;
    ctx.type = 'html';
    ctx.body = loginForm(details.uid, 'Wrong login or password.');
    return undefined;
  }
  await provider.interactionFinished(ctx.req, ctx.res, {
    login: { accountId: user.claims.sub },
  }, { mergeWithLastSubmission: false });
  return undefined;
});

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`identity provider at ${config.issuer}`);
});
