// `make seed`: writes the demo data set of seed-data.mjs into a running stack
// through its HTTP API, as a client would. Idempotent: what is already there
// is looked up, not made again (a user is signed in when the account exists,
// an article is found by its author and title, a comment by its author and
// text), so a second run changes nothing.
//
//   node tests/e2e/seed.mjs
//   CONDUIT_API    the API's base URL (default http://127.0.0.1:9000/api, `make dev`'s)
//   SEED_PASSWORD  every seed user's password (local demo data only; default below)

import {
  USERS, ARTICLES, FOLLOWS, FAVORITES, THREADS, LONG_THREAD, LONG_THREAD_TITLE,
} from './seed-data.mjs';

export const DEFAULT_API = 'http://127.0.0.1:9000/api';
// Not a secret: the demo users exist only in local stacks.
export const DEFAULT_PASSWORD = 'conduit-demo-password';

class ApiError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} answered ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

// One API call; 429 and 503 are retried after their Retry-After.
async function call(api, method, path, { token, body } = {}) {
  for (let attempt = 1; ; attempt++) {
    const headers = { accept: 'application/json' };
    if (token) headers.authorization = `Token ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(api + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      const why = e.cause?.code || e.cause?.message || e.message;
      throw new Error(`cannot reach ${api} (${why}): is the stack running (make dev)? Set CONDUIT_API to seed another.`);
    }
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = text; }
    if ((res.status === 429 || res.status === 503) && attempt < 5) {
      const wait = Math.min(Number(res.headers.get('retry-after')) || 1, 30);
      await new Promise((r) => setTimeout(r, wait * 1000));
      continue;
    }
    if (!res.ok) throw new ApiError(method, path, res.status, json);
    return json;
  }
}

const enc = encodeURIComponent;

// Every item of a list: the first page, then each nextCursor (or, from an
// API without cursors, the next offset while pages come back full).
async function all(api, path, key, { token, limit } = {}) {
  const items = [];
  const sep = path.includes('?') ? '&' : '?';
  const first = limit ? `limit=${limit}` : '';
  let query = first;
  for (let page = 0; page < 1000; page++) {
    const res = await call(api, 'GET', query ? `${path}${sep}${query}` : path, { token });
    const got = res[key] || [];
    items.push(...got);
    if (res.nextCursor) {
      query = `${first ? `${first}&` : ''}cursor=${enc(res.nextCursor)}`;
    } else if (!('nextCursor' in res) && limit && got.length === limit) {
      query = `${first}&offset=${items.length}`;
    } else {
      break;
    }
  }
  return items;
}

export async function seed({ api = DEFAULT_API, password = DEFAULT_PASSWORD, log = console.log } = {}) {
  const made = { users: 0, profiles: 0, articles: 0, follows: 0, favorites: 0, comments: 0 };
  const kept = { users: 0, profiles: 0, articles: 0, follows: 0, favorites: 0, comments: 0 };
  const tokens = {};

  for (const u of USERS) {
    let user;
    try {
      user = (await call(api, 'POST', '/users/login', { body: { user: { email: u.email, password } } })).user;
      kept.users++;
    } catch (e) {
      if (e.status !== 401) throw e;
      try {
        user = (await call(api, 'POST', '/users', {
          body: { user: { username: u.username, email: u.email, password } },
        })).user;
        made.users++;
      } catch (e2) {
        if (e2.status === 409) {
          throw new Error(`${u.username} (${u.email}) exists but does not sign in with SEED_PASSWORD: `
            + 'was it seeded with another password, or renamed?');
        }
        throw e2;
      }
    }
    tokens[u.username] = user.token;
    if (user.username !== u.username) {
      throw new Error(`${u.email} signs in as ${user.username}, not ${u.username}: renamed since it was seeded?`);
    }
    if (user.bio !== u.bio || user.image !== u.image) {
      await call(api, 'PUT', '/user', { token: user.token, body: { user: { bio: u.bio, image: u.image } } });
      made.profiles++;
    } else {
      kept.profiles++;
    }
  }

  const slugs = {};
  for (const a of ARTICLES) {
    const token = tokens[a.author];
    const mine = await all(api, `/articles?author=${enc(a.author)}`, 'articles', { token, limit: 100 });
    const found = mine.find((x) => x.title === a.title);
    if (found) {
      slugs[a.title] = found.slug;
      kept.articles++;
      continue;
    }
    const { article } = await call(api, 'POST', '/articles', {
      token,
      body: { article: { title: a.title, description: a.description, body: a.body, tagList: a.tagList } },
    });
    slugs[a.title] = article.slug;
    made.articles++;
  }

  for (const [follower, followed] of FOLLOWS) {
    const { profile } = await call(api, 'GET', `/profiles/${enc(followed)}`, { token: tokens[follower] });
    if (profile.following) { kept.follows++; continue; }
    await call(api, 'POST', `/profiles/${enc(followed)}/follow`, { token: tokens[follower] });
    made.follows++;
  }

  for (const [who, title] of FAVORITES) {
    const { article } = await call(api, 'GET', `/articles/${enc(slugs[title])}`, { token: tokens[who] });
    if (article.favorited) { kept.favorites++; continue; }
    await call(api, 'POST', `/articles/${enc(slugs[title])}/favorite`, { token: tokens[who] });
    made.favorites++;
  }

  const threads = [...THREADS, [LONG_THREAD_TITLE, LONG_THREAD]];
  for (const [title, comments] of threads) {
    const slug = slugs[title];
    const there = await all(api, `/articles/${enc(slug)}/comments`, 'comments');
    const seen = new Set(there.map((c) => `${c.author.username}\n${c.body}`));
    for (const [author, body] of comments) {
      if (seen.has(`${author}\n${body}`)) { kept.comments++; continue; }
      try {
        await call(api, 'POST', `/articles/${enc(slug)}/comments`, { token: tokens[author], body: { comment: { body } } });
        made.comments++;
      } catch (e) {
        // The same text again from the same author: already there.
        if (e.status !== 409) throw e;
        kept.comments++;
      }
    }
  }

  const line = (counts) => Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ');
  log(`seeded ${api}: made ${line(made)}`);
  log(`already there: ${line(kept)}`);
  return { made, kept, slugs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  seed({
    api: (process.env.CONDUIT_API || DEFAULT_API).replace(/\/$/, ''),
    password: process.env.SEED_PASSWORD || DEFAULT_PASSWORD,
  }).catch((e) => {
    console.error(`seed failed: ${e.message}`);
    process.exit(1);
  });
}
