// Browser test of the HTML report: renders each fixture with report_render, opens the page in
// headless Chromium (playwright-core driving the system Chromium, fresh profile, no network) and
// checks that no JavaScript error occurs, nothing is fetched, every expected chart is drawn and a
// screenshot is not blank. Fails (never skips) when node packages or Chromium are missing.
//
// usage: node browser_test.mjs --renderer BIN --fixtures DIR --out DIR [--chromium PATH]
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

// Charts each fixture must draw, counted from the fixture by hand (one per placeholder kind):
const CASES = [
  {
    // `imbgen run` on tests/data/report/run.json's data set: 4 strategies (none, class_weight,
    // smote, gan) x 2 classifiers, generators smote and gan with an evaluation each.
    //   summary heatmap 1 + class balance 1 + PR-AUC bars 1 + (ROC + PR) x 2 classifiers 4 = 7
    //   gan: training curves of its 1 class 1; smote: no history 0
    //   per evaluated generator: PCA, t-SNE, column grid, 3 correlation heatmaps, detection ROC,
    //   distance histogram = 8, x 2 generators = 16
    fixture: 'run.json',
    charts: 7 + 1 + 16,
    sections: ['summary', 'dataset', 'generators', 'gen-gan', 'gen-smote', 'downstream',
      'clf-logistic', 'clf-xgboost', 'run'],
    absent: [],
  },
  {
    // The benchmark shape: run.json's cells with `statistics` (means, CIs, paired tests).
    //   summary 1 + classes 1 + bars 1 + ROC/PR 2 x 2 = 7, gan history 1, no evaluations.
    fixture: 'benchmark.json',
    charts: 8,
    sections: ['summary', 'dataset', 'generators', 'gen-gan', 'downstream', 'run'],
    absent: [],
  },
  {
    // Categorical columns (adult subset): strategies none and random, classifier logistic.
    //   summary 1 + classes 1 + bars 1 + ROC/PR 2 = 5; random has no history; its evaluation 8.
    fixture: 'categorical.json',
    charts: 13,
    sections: ['summary', 'dataset', 'dataset-columns', 'gen-random', 'gen-random-columns',
      'clf-logistic', 'run'],
    absent: [],
  },
  {
    // Missing parts: no generators, no curves, no column summary, one classifier.
    //   summary heatmap 1 + class balance 1 + PR-AUC bars 1 = 3
    fixture: 'minimal.json',
    charts: 3,
    sections: ['summary', 'dataset', 'downstream', 'clf-logistic', 'run'],
    absent: ['generators'],
  },
  {
    // Only a data set: no results at all.   class balance 1
    fixture: 'dataset_only.json',
    charts: 1,
    sections: ['dataset', 'run'],
    absent: ['summary', 'generators', 'downstream'],
  },
];

function parseArgs(argv) {
  const args = {chromium: process.env.CHROMIUM || '/usr/bin/chromium'};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (argv[i + 1] === undefined) throw new Error(`missing value for ${argv[i]}`);
    args[key] = argv[i + 1];
  }
  for (const k of ['renderer', 'fixtures', 'out']) {
    if (!args[k]) throw new Error(`missing --${k}`);
  }
  return args;
}

const failures = [];
function check(ok, message) {
  if (!ok) failures.push(message);
  return ok;
}

// Distinct colours (6 bits per channel) and the share of pixels that are not near-white.
function pixelStats(PNG, buffer) {
  const png = PNG.sync.read(buffer);
  const colours = new Set();
  let ink = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const r = png.data[i], g = png.data[i + 1], b = png.data[i + 2];
    colours.add(((r >> 2) << 12) | ((g >> 2) << 6) | (b >> 2));
    if (r < 235 || g < 235 || b < 235) ink++;
  }
  return {colours: colours.size, ink: ink / (png.width * png.height), width: png.width,
    height: png.height};
}

async function runCase(context, PNG, args, c) {
  const name = path.basename(c.fixture, '.json');
  const fixture = path.join(args.fixtures, c.fixture);
  const html = path.join(args.out, `${name}.html`);
  const r = spawnSync(args.renderer, [fixture, html], {encoding: 'utf8'});
  if (!check(r.status === 0, `${name}: report_render failed (${r.status}): ${r.stderr}`)) return;

  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (req) => {
    if (!req.url().startsWith('file:')) errors.push(`request failed: ${req.url()}`);
  });
  const t0 = Date.now();
  // Generous limits: under the sanitizer suite two cores are shared with the cli tests, and
  // Chromium took more than Playwright's default 30 s to load a 5 MB page there.
  await page.goto('file://' + path.resolve(html), {waitUntil: 'load', timeout: 180000});
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-charts'), null,
    {timeout: 180000});
  const seconds = (Date.now() - t0) / 1000;

  const dom = await page.evaluate(() => {
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
    return {
      status: document.documentElement.getAttribute('data-charts'),
      placeholders: document.querySelectorAll('.chart[data-chart]').length,
      plots: plots.length,
      // A drawn plot holds an SVG with a size and at least one trace layer.
      drawn: plots.filter((p) => {
        const svg = p.querySelector('svg.main-svg');
        const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
        return box.width > 50 && box.height > 50 &&
          p.querySelector('.cartesianlayer, .heatmaplayer') !== null;
      }).length,
      chartErrors: Array.from(document.querySelectorAll('.chart-error')).map((e) => e.textContent),
      ids: Array.from(document.querySelectorAll('[id]')).map((e) => e.id),
      externalUrls: Array.from(document.querySelectorAll('[src], [href]'))
          .map((e) => e.getAttribute('src') || e.getAttribute('href'))
          .filter((u) => /^[a-z]+:/i.test(u)),
    };
  });
  check(dom.placeholders === c.charts,
    `${name}: expected ${c.charts} chart placeholders, found ${dom.placeholders}`);
  check(dom.plots === c.charts, `${name}: expected ${c.charts} plotly charts, found ${dom.plots}`);
  check(dom.drawn === c.charts, `${name}: expected ${c.charts} drawn charts, found ${dom.drawn}`);
  check(dom.status === `${c.charts} drawn, 0 failed`, `${name}: page reports "${dom.status}"`);
  check(dom.chartErrors.length === 0, `${name}: chart errors: ${dom.chartErrors.join(' | ')}`);
  check(dom.externalUrls.length === 0, `${name}: links to URLs: ${dom.externalUrls.join(', ')}`);
  for (const id of c.sections) check(dom.ids.includes(id), `${name}: no element #${id}`);
  for (const id of c.absent) check(!dom.ids.includes(id), `${name}: unexpected element #${id}`);

  // Switching the correlation coefficient redraws without error.
  const selects = await page.$$('select.corr-method');
  for (const s of selects) {
    const values = await s.$$eval('option', (os) => os.map((o) => o.value));
    if (values.includes('spearman')) await s.selectOption('spearman');
  }
  if (selects.length > 0) await page.waitForTimeout(300);

  // The first screen (header and summary) and the first chart must not be blank.
  const top = await page.screenshot({path: path.join(args.out, `${name}.png`)});
  const s = pixelStats(PNG, top);
  check(s.colours >= 40 && s.ink >= 0.03,
    `${name}: screenshot looks blank (${s.colours} colours, ${(100 * s.ink).toFixed(1)}% ink)`);
  const first = await page.$('.js-plotly-plot');
  if (first) {
    await first.scrollIntoViewIfNeeded();
    const shot = await first.screenshot({path: path.join(args.out, `${name}-chart.png`)});
    const cs = pixelStats(PNG, shot);
    check(cs.colours >= 8 && cs.ink >= 0.02,
      `${name}: first chart looks blank (${cs.colours} colours, ` +
      `${(100 * cs.ink).toFixed(1)}% ink)`);
  }
  await page.screenshot({path: path.join(args.out, `${name}-full.png`), fullPage: true});
  for (const e of errors) check(false, `${name}: ${e}`);
  console.log(`${name}: ${dom.plots} charts in ${seconds.toFixed(1)} s, ` +
    `screenshot ${s.colours} colours, ${(100 * s.ink).toFixed(1)}% ink, ${errors.length} errors`);
  await page.close();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const here = path.dirname(fileURLToPath(import.meta.url));
  const jsRoot = path.resolve(here, '../../third_party/plotly');
  const require = createRequire(path.join(jsRoot, 'package.json'));
  let chromium, PNG;
  try {
    ({chromium} = require('playwright-core'));
    ({PNG} = require('pngjs'));
  } catch (e) {
    throw new Error(`cannot load playwright-core / pngjs from ${jsRoot}/node_modules ` +
      `(${e.message}); run scripts/fetch_js.sh`);
  }
  if (!fs.existsSync(args.chromium)) {
    throw new Error(`Chromium not found at ${args.chromium}; install it ` +
      '(apt-get install chromium) or set CHROMIUM to its path');
  }
  fs.mkdirSync(args.out, {recursive: true});
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'imbgen-report-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: args.chromium,
    headless: true,
    viewport: {width: 1366, height: 900},
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(180000);
  // Nothing but the report file itself may be loaded.
  const fetched = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    fetched.push(url);
    return route.abort();
  });
  try {
    for (const c of CASES) await runCase(context, PNG, args, c);
  } finally {
    await context.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  for (const url of fetched) check(false, `the page tried to fetch ${url}`);
  if (failures.length > 0) {
    for (const f of failures) console.error(`FAIL ${f}`);
    process.exit(1);
  }
  console.log(`report_browser: ${CASES.length} reports OK (screenshots in ${args.out})`);
}

main().catch((e) => {
  console.error(`report_browser: ${e.stack || e}`);
  process.exit(1);
});
