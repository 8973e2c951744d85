// Drives Neo4j Browser in Debian's headless Chromium with playwright-core: opens an answer's
// browser_url, connects without auth, runs the query the URL put in the editor, waits for the
// graph view, and reports what Browser drew (node captions and colours, relationship captions),
// the stylesheet frame, and the guide. Prints one JSON object on stdout; the Go test
// (e2e/browser_test.go) asserts on it. Exits 1 on a failure, with a screenshot beside --screenshot.
//
//   node e2e/browser.mjs --url <browser_url> --bolt bolt://127.0.0.1:7687 --style <grass url>
//        --guide <guide url> [--post-connect-style] [--post-connect-guide]
//        --screenshot test-results/browser-e2e.png [--guide-screenshot test-results/browser-guide.png]
//
// --post-connect-style, --post-connect-guide: the server's browser.post_connect_cmd applies --style
// or plays --guide on connect; wait for those frames. Without them, run `:style` or `:play` here,
// after the query.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    bolt: { type: 'string' },
    style: { type: 'string' },
    guide: { type: 'string' },
    'post-connect-style': { type: 'boolean', default: false },
    'post-connect-guide': { type: 'boolean', default: false },
    screenshot: { type: 'string', default: 'test-results/browser-e2e.png' },
    'guide-screenshot': { type: 'string', default: '' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    timeout: { type: 'string', default: '60000' }
  }
})
for (const k of ['url', 'bolt', 'style', 'guide']) {
  if (!opt[k]) {
    console.error(`browser.mjs: --${k} is required`)
    process.exit(2)
  }
}
const timeout = Number(opt.timeout)
const started = Date.now()
const timings = {}
const mark = name => (timings[name] = Date.now() - started)
const report = { timings_ms: timings }

// The flags this machine needs (playwright adds --headless): no sandbox as root, and no
// background traffic to Google's hosts.
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mineralmap-e2e-'))
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: opt.chromium,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'
  ],
  viewport: { width: 1400, height: 1100 }
})
context.setDefaultTimeout(timeout)
const page = context.pages()[0] ?? (await context.newPage())
const consoleErrors = []
page.on('pageerror', e => consoleErrors.push(String(e)))

const frames = page.getByTestId('frame')
const frameWithCommand = text =>
  frames.filter({ has: page.getByTestId('frameCommand').filter({ hasText: text }) })
const cypherFrames = frames.filter({ has: page.getByTestId('frameCommand').filter({ hasNotText: /^\s*:/ }) })
const squash = s => s.replace(/\s+/g, ' ').trim()

// runInEditor replaces the editor's content with cmd and runs it.
async function runInEditor (cmd) {
  const editor = page.getByTestId('activeEditor')
  await editor.click()
  await page.keyboard.press('ControlOrMeta+A')
  await page.keyboard.press('Delete')
  await page.keyboard.type(cmd)
  await page.getByTestId('editor-Run').click()
}

// graphOf waits for the graph view of frame to settle and returns what it drew.
async function graphOf (frame) {
  await frame.locator('svg g.node').first().waitFor()
  let last = ''
  for (let i = 0; i < 40; i++) { // the force layout moves nodes for a while; wait until it stops
    const now = (await frame.locator('svg g.node').evaluateAll(ns => ns.map(n => n.getAttribute('transform')))).join('|')
    if (now === last) break
    last = now
    await page.waitForTimeout(250)
  }
  return frame.locator('svg:has(g.node)').first().evaluate(svg => ({
    nodes: [...svg.querySelectorAll('g.node')].map(n => ({
      caption: [...n.querySelectorAll('text.caption')].map(t => t.textContent.trim()).join(' '),
      fill: n.querySelector('circle.b-outline')?.getAttribute('fill') ?? '',
      stroke: n.querySelector('circle.b-outline')?.getAttribute('stroke') ?? ''
    })),
    relationships: [...svg.querySelectorAll('g.relationship')].map(r => ({
      caption: [...r.querySelectorAll('text')].map(t => t.textContent.trim()).join(' '),
      color: r.querySelector('path.b-outline')?.getAttribute('fill') ?? ''
    }))
  }))
}

// styleFrame waits for the `:style <url>` frame and reports whether Browser took the stylesheet.
async function styleFrame () {
  const f = frameWithCommand(`:style ${opt.style}`).first()
  await f.waitFor()
  const contents = f.getByTestId('frameContents')
  await contents.waitFor()
  const text = await contents.innerText()
  return { command: squash(await f.getByTestId('frameCommand').innerText()), applied: /node\.Facility/.test(text), text: text.slice(0, 400) }
}

async function guideFrame () {
  const f = frameWithCommand(`:play ${opt.guide}`).first()
  const carousel = f.getByTestId('carousel')
  await carousel.waitFor()
  const counter = await carousel.getByText(/^\d+ \/ \d+$/).first().innerText()
  return { frame: f, slides: Number(counter.split('/')[1]), title: squash(await f.locator('.slide h3').first().innerText()) }
}

try {
  await page.goto(opt.url, { waitUntil: 'domcontentloaded' }) // the fonts Browser asks Google for never load here
  await page.getByTestId('boltaddress').waitFor()
  mark('browser_loaded')

  const bolt = new URL(opt.bolt)
  await page.getByTestId('bolt-scheme-select').selectOption(`${bolt.protocol}//`)
  await page.getByTestId('boltaddress').fill(bolt.host)
  await page.getByTestId('authenticationMethod').selectOption('NO_AUTH')
  await page.getByTestId('connect').click()
  await page.getByTestId('disconnectedBanner').waitFor({ state: 'detached' })
  await frameWithCommand(':server connect').getByText('You have a working connection').waitFor()
  mark('connected')

  if (opt['post-connect-style']) {
    report.style = await styleFrame()
    mark('post_connect_style')
  }

  // Run what the URL put in the editor, with the Run button, as an analyst would. Right after
  // connecting, Browser may drop a run while it sets up; then the query is still in the editor.
  const queryFrame = cypherFrames.first()
  for (let attempt = 1; ; attempt++) {
    await page.getByTestId('editor-Run').click()
    try {
      await queryFrame.waitFor({ timeout: 5000 })
      break
    } catch (e) {
      if (attempt === 3) throw e
    }
  }
  report.query_frame_command = squash(await queryFrame.getByTestId('frameCommand').innerText())
  report.graph = await graphOf(queryFrame)
  mark('graph_drawn')

  if (!opt['post-connect-style']) {
    const unstyled = JSON.stringify(report.graph.nodes)
    await runInEditor(`:style ${opt.style}`)
    report.style = await styleFrame()
    for (let i = 0; i < 20 && JSON.stringify(report.graph.nodes) === unstyled; i++) {
      await page.waitForTimeout(250) // Browser restyles the drawn graph
      report.graph = await graphOf(queryFrame)
    }
    mark('explicit_style')
  }
  if (!opt['post-connect-guide']) await runInEditor(`:play ${opt.guide}`)
  await queryFrame.screenshot({ path: opt.screenshot })
  mark('screenshot')

  // The guide: count its slides, go to the rare-earth chain, run its first query with the play icon.
  const guide = await guideFrame()
  report.guide = { slides: guide.slides, title: guide.title }
  await guide.frame.getByTestId('carousel').locator('li[aria-label="2"]').click()
  const runnable = guide.frame.locator('.slide pre.runnable').first()
  report.guide.query = squash(await runnable.innerText())
  const before = await cypherFrames.count()
  await runnable.locator('i').first().click()
  await cypherFrames.nth(before).waitFor() // Browser adds the new frame on top
  const chainFrame = cypherFrames.first()
  report.guide.frame_command = squash(await chainFrame.getByTestId('frameCommand').innerText())
  report.guide.graph = await graphOf(chainFrame)
  if (opt['guide-screenshot']) await guide.frame.screenshot({ path: opt['guide-screenshot'] })
  mark('guide_query_drawn')

  report.page_errors = consoleErrors
  console.log(JSON.stringify(report))
  await context.close()
  fs.rmSync(userDataDir, { recursive: true, force: true })
} catch (e) {
  const failShot = opt.screenshot.replace(/\.png$/, '') + '-failure.png'
  await page.screenshot({ path: failShot, fullPage: true }).catch(() => {})
  report.error = String(e && e.stack ? e.stack : e)
  report.failure_screenshot = failShot
  report.page_errors = consoleErrors
  console.log(JSON.stringify(report))
  await context.close().catch(() => {})
  fs.rmSync(userDataDir, { recursive: true, force: true })
  process.exit(1)
}
