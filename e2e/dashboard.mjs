// Drives the dashboard (GET /) in Debian's headless Chromium with playwright-core: opens it,
// waits for every panel, reads what it shows (charts drawn, table rows, Browser links, the
// quality findings), picks another consumer, waits again, and leaves a screenshot. Prints one
// JSON object on stdout; e2e/dashboard_test.go asserts on it.
//
//   node e2e/dashboard.mjs --url http://127.0.0.1:8080/ --chromium /usr/bin/chromium \
//        --consumer group:ministerial-2026 --screenshot test-results/dashboard.png
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    consumer: { type: 'string', default: 'group:ministerial-2026' },
    screenshot: { type: 'string', default: 'test-results/dashboard.png' },
    timeout: { type: 'string', default: '60000' }
  }
})
const report = { page_errors: [] }
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mineralmap-dash-'))
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: opt.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1500, height: 2200 }
})
context.setDefaultTimeout(Number(opt.timeout))
const page = context.pages()[0] ?? (await context.newPage())
page.on('pageerror', e => report.page_errors.push(String(e)))

// What the page shows, once every panel has answered and every chart image has loaded.
async function read () {
  await page.waitForFunction(() => document.body.dataset.ready === 'yes')
  await page.waitForFunction(() => [...document.querySelectorAll('img.chart')].every(i => i.complete))
  return page.evaluate(() => {
    const out = {}
    for (const sec of document.querySelectorAll('section')) {
      const img = sec.querySelector('img')
      const link = sec.querySelector('h2 a')
      out[sec.id] = {
        loaded: sec.dataset.loaded,
        chart_width: img ? img.naturalWidth : null,
        chart_src: img ? img.getAttribute('src') : null,
        rows: sec.querySelectorAll('table tr').length - 1,
        first_row: [...(sec.querySelectorAll('table tr')[1]?.children ?? [])].map(td => td.textContent),
        note: sec.querySelector('.note').textContent,
        browser_link: link ? link.href : null
      }
    }
    return out
  })
}

try {
  await page.goto(opt.url)
  report.first = await read()
  report.choices = await page.evaluate(() => ({ mineral: document.querySelector('#mineral').value, consumer: document.querySelector('#consumer').value, avoid: document.querySelector('#avoid').value }))
  await page.selectOption('#consumer', opt.consumer)
  report.second = await read()
  fs.mkdirSync(path.dirname(opt.screenshot), { recursive: true })
  await page.screenshot({ path: opt.screenshot, fullPage: true })
  report.screenshot = opt.screenshot
} catch (e) {
  report.error = String(e)
  try { await page.screenshot({ path: opt.screenshot.replace(/\.png$/, '-failure.png'), fullPage: true }) } catch {}
}
await context.close()
console.log(JSON.stringify(report))
process.exit(report.error ? 1 : 0)
