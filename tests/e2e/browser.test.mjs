// The official Angular front end against the API, in headless Chromium:
// what a user does, by clicking and typing. scripts/e2e.sh starts the stack,
// serves the front end, seeds the data set and runs this once per mode:
//
//   E2E_MODE       cross-origin (the API on its own origin: CORS preflights)
//                  or same-origin (the static server forwards /api/*)
//   E2E_WEB        the front end's origin, e.g. http://127.0.0.1:41234
//   E2E_API        the API's base URL as the front end calls it
//   E2E_ARTIFACTS  where a failing step leaves its screenshot and HTML
//   E2E_PLAYWRIGHT the folder holding node_modules/playwright-core
//   CHROMIUM       the browser (default /usr/bin/chromium)
//
// Every request the page makes to the API is watched: one that fails at the
// network level (CORS included), a 5xx, an uncaught page error or a console
// error about CORS fails the step it happened in.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { EventEmitter } from 'node:events';
import { ARTICLES, LONG_THREAD, LONG_THREAD_TITLE, LONG_THREAD_LENGTH } from './seed-data.mjs';

const MODE = process.env.E2E_MODE || 'same-origin';
const WEB = (process.env.E2E_WEB || '').replace(/\/$/, '');
const API = (process.env.E2E_API || `${WEB}/api`).replace(/\/$/, '');
const ARTIFACTS = path.resolve(process.env.E2E_ARTIFACTS || '.local/e2e', MODE);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const { chromium } = createRequire(path.resolve(process.env.E2E_PLAYWRIGHT || '.local/playwright', 'x'))('playwright-core');
if (!WEB) throw new Error('E2E_WEB is not set');

const TIMEOUT = 20_000;
const RUN = Date.now().toString(36);
const author = { username: `e2e-author-${RUN}`, email: `e2e-author-${RUN}@example.com`, password: 'author-password-1' };
const reader = { username: `e2e-reader-${RUN}`, email: `e2e-reader-${RUN}@example.com`, password: 'reader-password-1' };
const readerRenamed = `e2e-renamed-${RUN}`;
const readerNewPassword = 'reader-password-2';
const runTag = `run-${RUN}`;
const article = {
  title: `Testing in a real browser ${RUN}`,
  description: 'What a front end sees of the API.',
  body: '## Why a browser\n\nA **real** client finds what a unit test cannot:\n\n- CORS\n- pagination\n- sessions',
  tags: ['testing', runTag],
};
const editedTitle = `Testing in a real browser, revised ${RUN}`;
let articleSlug = null;

let context;
let page;
let profileDir;
const problems = [];       // what fails the step it is seen in
let stepStart = 0;         // problems seen before the running step
const problemSeen = new EventEmitter();
const problem = (what) => { problems.push(what); problemSeen.emit('problem'); };
const preflights = new Map(); // CDP request id -> { url, status, allowOrigin, error }
let failedBefore = false;

const log = (...a) => console.log(`[${MODE}]`, ...a);
const isApi = (url) => url.startsWith(API + '/') || url === API;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const apiFailure = () => new Error(`the API failed the page:\n  ${problems.slice(stepStart).join('\n  ')}`);

// Waits until fn() is truthy; fails with `what` and the last value seen.
async function until(what, fn, timeout = TIMEOUT) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    if (problems.length > stepStart) throw apiFailure();
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last seen: ${JSON.stringify(last)})`);
    await sleep(150);
  }
}

// Resolves with the next answer from the API matching method, path and the
// given query parameters. Rejects as soon as the running step has seen a
// problem, instead of waiting for an answer that will not come.
async function answer(method, pathPattern, query = {}) {
  const waiting = page.waitForResponse((r) => {
    if (!isApi(r.url()) || r.request().method() !== method) return false;
    const url = new URL(r.url());
    return pathPattern.test(url.pathname)
      && Object.entries(query).every(([k, v]) => url.searchParams.get(k) === v);
  }, { timeout: TIMEOUT });
  waiting.catch(() => {});
  let check;
  const failed = new Promise((_, reject) => {
    check = () => { if (problems.length > stepStart) reject(apiFailure()); };
    problemSeen.on('problem', check);
    check();
  });
  try {
    return await Promise.race([waiting, failed]);
  } finally {
    problemSeen.off('problem', check);
  }
}

async function keep(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const base = path.join(ARTIFACTS, name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
  try {
    await page.screenshot({ path: `${base}.png`, fullPage: true });
    fs.writeFileSync(`${base}.html`, await page.content());
    console.log(`[${MODE}] kept ${base}.png and ${base}.html (page: ${page.url()})`);
  } catch (e) {
    console.log(`[${MODE}] could not keep a screenshot of ${name}: ${e.message}`);
  }
}

// A step of the user's journey. A failure keeps the page and skips the
// steps after it, unless the step is `soft` (a later step needs nothing it
// makes). An `independent` step needs nothing an earlier one made, so it
// runs after a failure too.
function step(name, fn, { soft = false, independent = false } = {}) {
  it(name, async (t) => {
    if (failedBefore && !independent) {
      t.skip('an earlier step failed');
      return;
    }
    stepStart = problems.length;
    const started = Date.now();
    try {
      await fn();
      await sleep(100); // late events of the step's own requests
      if (problems.length > stepStart) throw apiFailure();
      log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      if (!soft) failedBefore = true;
      // What the API did wrong, when that is not the error itself.
      if (problems.length > stepStart && !e.message.startsWith('the API failed')) {
        e.message += `\n${apiFailure().message}`;
      }
      log(`FAIL ${name}: ${e.message}`);
      await keep(name);
      throw e;
    }
  });
}

// Navigation and actions, as a user does them.
const go = async (p) => { await page.goto(WEB + p); };
const link = (name) => page.getByRole('link', { name, exact: true });
const button = (name) => page.getByRole('button', { name });
const previews = () => page.locator('app-article-preview');
const previewTitles = async () => (await page.locator('app-article-preview .preview-link h1').allTextContents()).map((s) => s.trim());
const cards = (text) => page.locator('app-article-comment .card').filter({ has: page.locator('.card-text', { hasText: text }) });
const navUser = (username) => page.locator('app-layout-header a.nav-link', { hasText: username });

async function signUp(u) {
  await go('/');
  await link('Sign up').click();
  await page.getByPlaceholder('Username').fill(u.username);
  await page.getByPlaceholder('Email').fill(u.email);
  await page.getByPlaceholder('Password').fill(u.password);
  const made = answer('POST', /\/api\/users$/);
  await button('Sign up').click();
  assert.equal((await made).status(), 201, 'registration answered');
  await navUser(u.username).waitFor();
}

async function signIn(email, password) {
  await go('/');
  await link('Sign in').click();
  await page.getByPlaceholder('Email').fill(email);
  await page.getByPlaceholder('Password').fill(password);
  const done = answer('POST', /\/api\/users\/login$/);
  await button('Sign in').click();
  return (await done).status();
}

async function signOut() {
  await page.locator('app-layout-header').getByRole('link', { name: 'Settings' }).click();
  await button('Or click here to logout.').click();
  await link('Sign in').waitFor();
}

async function openArticleFromGlobalFeed(title) {
  await go('/');
  await link('Global Feed').click();
  const preview = page.locator('app-article-preview .preview-link', { hasText: title });
  await preview.click();
  await page.locator('.article-page .banner h1', { hasText: title }).waitFor();
}

async function postComment(text) {
  await page.getByPlaceholder('Write a comment...').fill(text);
  const posted = answer('POST', /\/comments$/);
  await button('Post Comment').click();
  return posted;
}

describe(`Conduit in Chromium, ${MODE}`, { concurrency: 1 }, () => {
  before(async () => {
    profileDir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'e2e-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // Nothing leaves the machine: the page's web fonts, icons and avatars
        // on other hosts fail at once instead of waiting on DNS.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
    page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(TIMEOUT);

    page.on('requestfailed', (r) => {
      if (!isApi(r.url())) return;
      const what = `${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`;
      // Aborted: the page navigated away before the answer came.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') problem(what);
    });
    page.on('response', (r) => {
      if (!isApi(r.url())) return;
      const what = `${r.request().method()} ${r.url().slice(API.length)} -> ${r.status()}`;
      if (r.status() >= 500) problem(what);
      else if (r.status() >= 400) log(`     (${what})`);
    });
    page.on('pageerror', (e) => problem(`uncaught error in the page: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const where = m.location()?.url || '';
      const local = where.startsWith(WEB) || isApi(where);
      // An API answer of 4xx is logged by the browser too; the response
      // listener has seen it already.
      if (/CORS|Access-Control/i.test(m.text())) problem(`console: ${m.text()}`);
      else if (local && !/status of 4\d\d/.test(m.text())) log(`     (console error: ${m.text().slice(0, 300)})`);
    });

    // CORS preflights, which the page's own events do not show, and the
    // reason the browser blocked a request.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const sent = new Map();
    cdp.on('Network.requestWillBeSent', (e) => {
      if (isApi(e.request.url)) sent.set(e.requestId, `${e.request.method} ${e.request.url}`);
      if (e.type === 'Preflight' || e.initiator?.type === 'preflight') {
        preflights.set(e.requestId, { url: e.request.url });
      }
    });
    cdp.on('Network.responseReceived', (e) => {
      const p = preflights.get(e.requestId);
      if (!p) return;
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      p.status = e.response.status;
      p.allowOrigin = h['access-control-allow-origin'];
    });
    cdp.on('Network.loadingFailed', (e) => {
      const p = preflights.get(e.requestId);
      if (p) p.error = `${e.errorText}${e.corsErrorStatus ? ` (${e.corsErrorStatus.corsError})` : ''}`;
      if (e.corsErrorStatus && sent.has(e.requestId)) {
        problem(`${sent.get(e.requestId)}${p ? ' (its preflight)' : ''} blocked by CORS: ${e.corsErrorStatus.corsError}`);
      }
    });
    log(`front end ${WEB}, API ${API}, artifacts of failing steps in ${ARTIFACTS}`);
  });

  after(async () => {
    await context?.close();
    if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  });

  step('the home page lists the seeded articles and tags', async () => {
    const listed = answer('GET', /\/api\/articles$/);
    await go('/');
    assert.equal((await listed).status(), 200);
    await until('10 article previews', async () => (await previews().count()) === 10);
    await page.locator('.sidebar .tag-list a.tag-pill').first().waitFor();
    await page.locator('.pagination .page-link').nth(1).waitFor();
  });

  step(`the seeded thread of ${LONG_THREAD_LENGTH} comments shows whole`, async () => {
    // Through its author's profile, wherever it is in the global list.
    const { author: by } = ARTICLES.find((a) => a.title === LONG_THREAD_TITLE);
    await go(`/profile/${by}`);
    await page.locator('app-article-preview .preview-link', { hasText: LONG_THREAD_TITLE }).click();
    await page.locator('.article-page .banner h1', { hasText: LONG_THREAD_TITLE }).waitFor();
    const first = LONG_THREAD[0][1];
    const last = LONG_THREAD[LONG_THREAD.length - 1][1];
    await cards(last).first().waitFor();
    await sleep(300);
    const shown = await page.locator('app-article-comment .card').count();
    const texts = (await page.locator('app-article-comment .card-text').allTextContents()).map((s) => s.trim());
    const missing = LONG_THREAD.filter(([, body]) => !texts.includes(body)).length;
    assert.ok(
      missing === 0,
      `the article page shows ${shown} comments; ${missing} of the thread's ${LONG_THREAD_LENGTH} are missing `
        + `(the oldest, "${first.slice(0, 40)}...", ${texts.includes(first) ? 'is' : 'is not'} shown). `
        + 'The front end reads comments with one request and no parameters.',
    );
  }, { soft: true, independent: true });

  step('the global list pages 10 at a time', async () => {
    await go('/');
    await until('10 article previews', async () => (await previews().count()) === 10);
    const first = await previewTitles();
    const next = answer('GET', /\/api\/articles$/, { limit: '10', offset: '10' });
    await page.locator('.pagination .page-link', { hasText: /^\s*2\s*$/ }).click();
    assert.equal((await next).status(), 200);
    await until('page 2 to be listed', async () => {
      const t = await previewTitles();
      return t.length > 0 && !t.some((x) => first.includes(x));
    });
  }, { soft: true, independent: true });

  step('sign up (the author)', () => signUp(author));

  step('write an article with tags', async () => {
    await page.locator('app-layout-header').getByRole('link', { name: 'New Article' }).click();
    await page.getByPlaceholder('Article Title').fill(article.title);
    await page.getByPlaceholder("What's this article about?").fill(article.description);
    await page.getByPlaceholder('Write your article (in markdown)').fill(article.body);
    for (const tag of article.tags) {
      await page.getByPlaceholder('Enter tags').fill(tag);
      await page.getByPlaceholder('Enter tags').press('Enter');
      await page.locator('.tag-list .tag-pill', { hasText: tag }).waitFor();
    }
    const made = answer('POST', /\/api\/articles$/);
    await button('Publish Article').click();
    const res = await made;
    assert.equal(res.status(), 201, 'the article was created');
    articleSlug = (await res.json()).article.slug;
    await page.waitForURL(`**/article/${articleSlug}`);
    await page.locator('.article-page .banner h1', { hasText: article.title }).waitFor();
    await page.locator('.article-content h2', { hasText: 'Why a browser' }).waitFor();
    await page.locator('.article-content strong', { hasText: 'real' }).waitFor();
    for (const tag of article.tags) await page.locator('.article-content .tag-list li', { hasText: tag }).waitFor();
  });

  step('sign out (the author)', signOut);

  step('sign up (the reader)', () => signUp(reader));

  step('open the article from the global feed', () => openArticleFromGlobalFeed(article.title));

  step("follow the article's author", async () => {
    const followed = answer('POST', /\/follow$/);
    await button(`Follow ${author.username}`).first().click();
    assert.equal((await followed).status(), 200);
    await button(`Unfollow ${author.username}`).first().waitFor();
  });

  step('favorite the article', async () => {
    const fav = answer('POST', /\/favorite$/);
    await button('Favorite Article').first().click();
    assert.equal((await fav).status(), 200);
    await button('Unfavorite Article').first().waitFor();
    await page.locator('app-favorite-button .counter', { hasText: '(1)' }).first().waitFor();
  });

  const comment = `A first comment from the reader, ${RUN}.`;
  step('comment on the article', async () => {
    const res = await postComment(comment);
    assert.ok([200, 201].includes(res.status()), `the comment was posted (${res.status()})`);
    await cards(comment).first().waitFor();
    assert.equal(await cards(comment).count(), 1);
  });

  step('the same comment posted twice in a row shows one card', async () => {
    const res = await postComment(comment);
    log(`     (the second post answered ${res.status()})`);
    await sleep(700);
    const shown = await cards(comment).count();
    assert.equal(shown, 1, `"${comment}" shows as ${shown} cards after being posted twice `
      + `(the second POST answered ${res.status()})`);
  }, { soft: true });

  step('delete a comment', async () => {
    const doomed = `A comment to delete, ${RUN}.`;
    await postComment(doomed);
    await cards(doomed).first().waitFor();
    const deleted = answer('DELETE', /\/comments\/[^/]+$/);
    await cards(doomed).first().locator('.mod-options .ion-trash-a').click();
    const status = (await deleted).status();
    assert.ok(status >= 200 && status < 300, `the comment was deleted (${status})`);
    await until('the deleted comment to go', async () => (await cards(doomed).count()) === 0);
    assert.ok((await cards(comment).count()) >= 1, 'the other comment stays');
  });

  step("Your Feed shows the followed author's article", async () => {
    await go('/');
    const feed = answer('GET', /\/api\/articles\/feed$/);
    await link('Your Feed').click();
    assert.equal((await feed).status(), 200);
    await page.locator('app-article-preview .preview-link', { hasText: article.title }).waitFor();
    const authors = (await page.locator('app-article-preview a.author').allTextContents()).map((s) => s.trim());
    assert.deepEqual([...new Set(authors)], [author.username], 'the feed holds only the followed author');
  });

  step('filter the list by a tag', async () => {
    await go('/');
    const tagged = answer('GET', /\/api\/articles$/, { tag: runTag });
    await page.locator('.sidebar .tag-list a.tag-pill', { hasText: runTag }).click();
    assert.equal((await tagged).status(), 200);
    await page.locator('.feed-toggle .nav-link.active', { hasText: runTag }).waitFor();
    await until('only the tagged article', async () => {
      const t = await previewTitles();
      return t.length === 1 && t[0] === article.title;
    });
  });

  step("the author's profile lists the article under My Posts", async () => {
    await go(`/article/${articleSlug}`);
    await page.locator('.article-page .banner a.author', { hasText: author.username }).click();
    await page.locator('.profile-page .user-info h4', { hasText: author.username }).waitFor();
    await link('My Posts').click();
    await page.locator('app-article-preview .preview-link', { hasText: article.title }).waitFor();
  });

  step("the reader's profile lists it under Favorited Posts", async () => {
    // From the home page: the front end does not reload a profile page
    // when the link to another profile is followed from it.
    await go('/');
    await navUser(reader.username).click();
    await page.locator('.profile-page .user-info h4', { hasText: reader.username }).waitFor();
    const favs = answer('GET', /\/api\/articles$/, { favorited: reader.username });
    await link('Favorited Posts').click();
    assert.equal((await favs).status(), 200);
    await until('the favorited article alone', async () => {
      const t = await previewTitles();
      return t.length === 1 && t[0] === article.title;
    });
  });

  step('settings: a new username and a new password', async () => {
    await page.locator('app-layout-header').getByRole('link', { name: 'Settings' }).click();
    await until('the settings form to hold the user', async () => (await page.getByPlaceholder('Email').inputValue()) === reader.email);
    await page.getByPlaceholder('Username').fill(readerRenamed);
    await page.getByPlaceholder('Short bio about you').fill('Reads everything twice.');
    await page.getByPlaceholder('New Password').fill(readerNewPassword);
    const saved = answer('PUT', /\/api\/user$/);
    await button('Update Settings').click();
    assert.equal((await saved).status(), 200);
    await page.waitForURL(`**/profile/${readerRenamed}`);
    await page.locator('.profile-page .user-info h4', { hasText: readerRenamed }).waitFor();
    await navUser(readerRenamed).waitFor();
  });

  step('sign out, then sign in with the new password', async () => {
    await signOut();
    assert.equal(await signIn(reader.email, reader.password), 401, 'the old password no longer signs in');
    await page.locator('.error-messages li').first().waitFor();
    assert.equal(await signIn(reader.email, readerNewPassword), 200);
    await navUser(readerRenamed).waitFor();
  });

  step('sign in as the author and edit the article', async () => {
    await signOut();
    assert.equal(await signIn(author.email, author.password), 200);
    await navUser(author.username).waitFor();
    await go(`/article/${articleSlug}`);
    await page.getByRole('link', { name: 'Edit Article' }).first().click();
    await until('the editor to hold the article', async () => (await page.getByPlaceholder('Article Title').inputValue()) === article.title);
    await page.getByPlaceholder('Article Title').fill(editedTitle);
    await page.getByPlaceholder('Write your article (in markdown)').fill('## Revised\n\nNow with *fewer* words.');
    const saved = answer('PUT', /\/api\/articles\/[^/]+$/);
    await button('Publish Article').click();
    const res = await saved;
    assert.equal(res.status(), 200);
    articleSlug = (await res.json()).article.slug;
    await page.locator('.article-page .banner h1', { hasText: editedTitle }).waitFor();
    await page.locator('.article-content h2', { hasText: 'Revised' }).waitFor();
    await page.locator('.article-content .tag-list li', { hasText: runTag }).waitFor();
  });

  step('delete the article', async () => {
    const deleted = answer('DELETE', /\/api\/articles\/[^/]+$/);
    await button('Delete Article').first().click();
    assert.ok([200, 204].includes((await deleted).status()));
    await page.waitForURL((u) => new URL(u).pathname === '/');
    await until('the home page list', async () => (await previews().count()) > 0);
    assert.equal(await page.locator('app-article-preview .preview-link', { hasText: editedTitle }).count(), 0);
    await navUser(author.username).click();
    await page.locator('.profile-page .user-info h4', { hasText: author.username }).waitFor();
    await until('the profile to list no articles', async () => (await page.getByText('No articles are here... yet.').count()) === 1);
    assert.equal(await page.locator('app-article-preview .preview-link', { hasText: editedTitle }).count(), 0);
  });

  if (MODE === 'cross-origin') {
    step('CORS preflights were sent and answered', async () => {
      const all = [...preflights.values()];
      const bad = all.filter((p) => p.error || !(p.status >= 200 && p.status < 300) || !p.allowOrigin);
      assert.ok(all.length > 0, 'the browser sent no CORS preflight: is the API really on another origin?');
      assert.deepEqual(bad, [], `${bad.length} of ${all.length} preflights were not answered with 2xx and Access-Control-Allow-Origin`);
      log(`     (${all.length} preflights, all answered)`);
    }, { soft: true, independent: true });
  }
});
