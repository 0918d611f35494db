// Belay's browser journey, in headless Debian Chromium:
//   sign up -> add a clock -> see its day count on the home page -> follow
//   "Get help now"; plus the profile and settings pages.
// It fails if any request leaves 127.0.0.1, if the browser logs an error
// (a CSP violation, say), or if axe-core reports a serious or critical
// accessibility violation on any page visited.
//
// Usage: node journey.mjs            (starts ../target/debug/belay itself)
//        BELAY_BIN=/path/to/belay node journey.mjs
//        SCREENSHOTS=1 node journey.mjs   (also writes ../docs/screenshots/*.png)

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const bin = process.env.BELAY_BIN || join(here, "..", "target", "debug", "belay");
const zone = "America/Chicago";

function fail(message) {
  console.error(`browser journey FAILED: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), "belay-e2e-"));
  const child = spawn(bin, ["serve"], {
    env: { ...process.env, BELAY_DATA_DIR: dataDir, BELAY_BIND: "127.0.0.1:0", DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const address = new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error("belay did not start in 60 s")), 60_000);
    child.stdout.on("data", (chunk) => {
      buffered += chunk.toString();
      const match = buffered.match(/listening.*addr=(\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(`http://${match[1]}`);
      }
    });
    child.stderr.on("data", (chunk) => process.stderr.write(chunk));
    child.on("exit", (code) => reject(new Error(`belay exited early with ${code}`)));
  });
  return { child, dataDir, address };
}

function localDate(date, timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

function daysBefore(isoDay, days) {
  const d = new Date(`${isoDay}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

async function checkAccessibility(page, label, checked) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"], runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } }),
  );
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of serious) {
    console.error(`  ${label}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  }
  if (serious.length > 0) fail(`axe found ${serious.length} serious or critical violations on ${label}`);
  checked.push(label);
}

async function newMember(browser, base, handle, offOrigin, consoleErrors) {
  const context = await browser.newContext({ timezoneId: zone, viewport: { width: 390, height: 844 } });
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.hostname !== "127.0.0.1") offOrigin.push(request.url());
  });
  const page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("dialog", (dialog) => dialog.accept());
  await page.goto(`${base}/signup`);
  await page.fill("#handle", handle);
  await page.fill("#password", "a long and calm passphrase");
  await page.getByRole("button", { name: "Create my account" }).click();
  await page.waitForURL(`${base}/`);
  return { context, page };
}

// Two members in two browsers: one finds the other through discovery and
// asks; the other accepts and shares their clocks; the first sees the clock
// only after that.
async function circleJourney(browser, base, checked, offOrigin, consoleErrors) {
  const suffix = Date.now() % 1_000_000;
  const seekerHandle = `seeker_${suffix}`;
  const peerHandle = `peer_${suffix}`;
  const peer = await newMember(browser, base, peerHandle, offOrigin, consoleErrors);
  const seeker = await newMember(browser, base, seekerHandle, offOrigin, consoleErrors);

  // The peer adds a clock and lets others find them.
  await peer.page.goto(`${base}/clocks`);
  await peer.page.fill("#label", "alcohol");
  await peer.page.fill("#started_on", daysBefore(localDate(new Date(), zone), 42));
  await peer.page.getByRole("button", { name: "Start the clock" }).click();
  await peer.page.waitForURL(`${base}/`);
  await peer.page.goto(`${base}/profile`);
  await peer.page.getByLabel("Let others find me in discovery").check();
  await peer.page.getByRole("button", { name: "Save profile" }).click();
  await peer.page.getByText("Your profile is saved.").waitFor();

  // The seeker finds them and asks.
  await seeker.page.getByRole("link", { name: "Find people" }).click();
  await seeker.page.waitForURL(/\/discover/);
  await checkAccessibility(seeker.page, "discover", checked);
  if (process.env.SCREENSHOTS) await seeker.page.screenshot({ path: join(here, "..", "docs", "screenshots", "discover.png"), fullPage: true });
  await seeker.page.getByRole("button", { name: `Ask to connect with ${peerHandle}` }).click();
  await seeker.page.waitForURL(`${base}/members/${peerHandle}`);
  if ((await seeker.page.textContent("main")).includes("shares with you")) fail("a clock was visible before any grant");
  await checkAccessibility(seeker.page, "member card", checked);

  // The peer accepts, then shares their clocks with the seeker.
  await peer.page.getByRole("link", { name: "Circle" }).click();
  await checkAccessibility(peer.page, "circle", checked);
  await peer.page.getByRole("button", { name: `Accept ${seekerHandle}` }).click();
  await peer.page.waitForURL(`${base}/members/${seekerHandle}`);
  await peer.page.getByLabel("My clocks").check();
  await peer.page.getByRole("button", { name: "Save what they see" }).click();
  await peer.page.getByText("Saved. It applies straight away.").waitFor();
  await checkAccessibility(peer.page, "member card with grants", checked);
  if (process.env.SCREENSHOTS) await peer.page.screenshot({ path: join(here, "..", "docs", "screenshots", "member.png"), fullPage: true });

  await seeker.page.reload();
  const shared = seeker.page.getByRole("article", { name: "alcohol clock" });
  const days = (await shared.locator(".num").textContent()).trim();
  if (days !== "42") fail(`the seeker should see 42 days on the peer's clock, saw ${days}`);

  await seeker.page.goto(`${base}/profile/helping`);
  await checkAccessibility(seeker.page, "how you can help", checked);

  // They talk: each sees the other's message appear without a reload.
  await peer.page.goto(`${base}/conversations/${seekerHandle}`);
  await seeker.page.goto(`${base}/members/${peerHandle}`);
  await seeker.page.getByRole("link", { name: "Send a message" }).click();
  await seeker.page.waitForURL(`${base}/conversations/${peerHandle}`);
  await peer.page.locator("body[data-live=ready]").waitFor();
  await seeker.page.locator("body[data-live=ready]").waitFor();
  await peer.page.evaluate(() => { window.__stayed = true; });
  await seeker.page.fill("#body", "Hi, <b>thanks</b> for connecting");
  await seeker.page.getByRole("button", { name: "Send" }).click();
  await peer.page.locator("#thread li.theirs .body", { hasText: "Hi, <b>thanks</b> for connecting" }).waitFor();
  if (!(await peer.page.evaluate(() => window.__stayed === true))) fail("the peer's page reloaded to show the message");
  await checkAccessibility(peer.page, "conversation", checked);
  await seeker.page.evaluate(() => { window.__stayed = true; });
  await seeker.page.locator("body[data-live=ready]").waitFor();
  await peer.page.fill("#body", "Glad you reached out.");
  await peer.page.getByRole("button", { name: "Send" }).click();
  await seeker.page.locator("#thread li.theirs .body", { hasText: "Glad you reached out." }).waitFor();
  if (!(await seeker.page.evaluate(() => window.__stayed === true))) fail("the seeker's page reloaded to show the reply");
  if (process.env.SCREENSHOTS) await seeker.page.screenshot({ path: join(here, "..", "docs", "screenshots", "conversation.png"), fullPage: true });
  await seeker.page.goto(`${base}/notices`);
  await checkAccessibility(seeker.page, "notices", checked);

  // Reach out: the peer takes reach-outs; the seeker taps "Reach out"; the
  // peer sees it arrive live, answers, and they talk.
  await peer.page.goto(`${base}/reach-out`);
  await peer.page.getByLabel("People in my circle may reach out to me when they need support now").check();
  await peer.page.getByRole("button", { name: "Save" }).click();
  await peer.page.waitForURL(`${base}/reach-out`);
  await peer.page.goto(`${base}/`);
  await peer.page.locator("body[data-live=ready]").waitFor();
  await seeker.page.getByRole("link", { name: "Reach out" }).click();
  await seeker.page.waitForURL(`${base}/reach-out`);
  const screen = await seeker.page.textContent("main");
  if (screen.indexOf("988") < 0 || screen.indexOf("988") > screen.indexOf("I need support now")) {
    fail("the crisis lines must come first on the reach-out screen");
  }
  await checkAccessibility(seeker.page, "reach-out screen", checked);
  if (process.env.SCREENSHOTS) await seeker.page.screenshot({ path: join(here, "..", "docs", "screenshots", "reach-out.png"), fullPage: true });
  await seeker.page.fill("#note", "Rough night. Could use a voice.");
  await seeker.page.getByRole("button", { name: "I need support now" }).click();
  await seeker.page.waitForURL(/\/reach-out\/[0-9a-f-]{36}$/);
  await seeker.page.locator("body[data-live=ready]").waitFor();
  await checkAccessibility(seeker.page, "my reach-out", checked);
  const banner = peer.page.locator("#live-reach-out");
  await banner.waitFor();
  if (!(await banner.textContent()).includes(seekerHandle)) fail("the live banner does not say who is reaching out");
  await banner.click();
  await peer.page.waitForURL(/\/reach-out\/[0-9a-f-]{36}$/);
  if (!(await peer.page.textContent("main")).includes("Rough night. Could use a voice.")) fail("the responder does not see the note");
  await checkAccessibility(peer.page, "responder view", checked);
  if (process.env.SCREENSHOTS) await peer.page.screenshot({ path: join(here, "..", "docs", "screenshots", "responder.png"), fullPage: true });
  await peer.page.getByRole("button", { name: "I'm here" }).click();
  await peer.page.waitForURL(`${base}/conversations/${seekerHandle}`);
  // The seeker's reach-out page shows the answer without a tap.
  await seeker.page.locator("#answered").waitFor();
  await seeker.page.getByRole("link", { name: `Talk with ${peerHandle}` }).click();
  await seeker.page.waitForURL(`${base}/conversations/${peerHandle}`);
  await seeker.page.locator("#thread li.theirs .body", { hasText: "I'm here." }).waitFor();
  await seeker.page.locator("body[data-live=ready]").waitFor();
  await peer.page.locator("body[data-live=ready]").waitFor();
  await seeker.page.fill("#body", "Thank you for answering.");
  await seeker.page.getByRole("button", { name: "Send" }).click();
  await peer.page.locator("#thread li.theirs .body", { hasText: "Thank you for answering." }).waitFor();
  await seeker.page.goto(`${base}/reach-out/history`);
  await checkAccessibility(seeker.page, "reach-out history", checked);
  await peer.context.close();
  await seeker.context.close();
}

// Check-ins, goals and encouragement: a member checks in with three taps
// and sees the chart; sets a goal and records progress; shares goals and
// check-ins with a partner, who sees the progress and the chart and sends
// encouragement, which lands in the member's circle feed.
async function supportJourney(browser, base, checked, offOrigin, consoleErrors) {
  const suffix = Date.now() % 1_000_000;
  const memberHandle = `steady_${suffix}`;
  const partnerHandle = `partner_${suffix}`;
  const member = await newMember(browser, base, memberHandle, offOrigin, consoleErrors);
  const partner = await newMember(browser, base, partnerHandle, offOrigin, consoleErrors);
  const page = member.page;

  await page.getByRole("link", { name: "Check in" }).first().click();
  await page.waitForURL(`${base}/checkins`);
  await checkAccessibility(page, "check-in", checked);
  await page.getByLabel("4 Good").check();
  await page.getByLabel("2", { exact: true }).check();
  await page.getByRole("button", { name: "Check in" }).click();
  await page.getByText("Checked in.").waitFor();
  const chart = page.locator("img.chart");
  await chart.waitFor();
  const drawn = await chart.evaluate((img) => img.complete && img.naturalWidth > 0);
  if (!drawn) fail("the check-in chart did not load");
  const row = await page.locator("table.data tbody tr").first().textContent();
  if (!row.includes("4") || !row.includes("2")) fail(`the history table does not show the check-in: ${row}`);
  await checkAccessibility(page, "check-in (saved, chart)", checked);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: join(here, "..", "docs", "screenshots", "checkins.png"), fullPage: true });

  await page.getByRole("link", { name: "Goals" }).first().click();
  await page.waitForURL(`${base}/goals`);
  await page.fill("#title", "Walk twenty minutes");
  await page.fill("#why", "It clears my head.");
  await page.selectOption("#cadence", "daily");
  await page.fill("#target", "30");
  await checkAccessibility(page, "goals", checked);
  await page.getByRole("button", { name: "Set the goal" }).click();
  await page.waitForURL(/\/goals\/[0-9a-f-]{36}$/);
  const goalUrl = page.url();
  await page.fill("#note", "Around the park");
  await page.getByRole("button", { name: "I did it" }).click();
  await page.getByText("Progress recorded.").waitFor();
  if ((await page.textContent("#goal-progress")).trim() !== "1 of 30") fail("the goal does not show 1 of 30");
  await checkAccessibility(page, "goal", checked);

  // Let the partner find and ask; accept and share goals and check-ins.
  await page.getByRole("link", { name: "Profile" }).click();
  await page.getByLabel("Let others find me in discovery").check();
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.getByText("Your profile is saved.").waitFor();
  await partner.page.goto(`${base}/members/${memberHandle}`);
  await partner.page.getByRole("button", { name: "Ask to connect" }).click();
  await partner.page.waitForURL(`${base}/members/${memberHandle}`);
  await page.getByRole("link", { name: "Circle" }).click();
  await page.getByRole("button", { name: `Accept ${partnerHandle}` }).click();
  await page.waitForURL(`${base}/members/${partnerHandle}`);
  await page.getByLabel("My goals").check();
  await page.getByLabel("My check-ins").check();
  await page.getByRole("button", { name: "Save what they see" }).click();
  await page.getByText("Saved. It applies straight away.").waitFor();

  await partner.page.goto(`${base}/members/${memberHandle}`);
  await partner.page.getByRole("heading", { name: `Goals ${memberHandle} shares with you` }).waitFor();
  const theirChart = partner.page.locator("img.chart");
  if (!(await theirChart.evaluate((img) => img.complete && img.naturalWidth > 0))) fail("the partner does not see the chart");
  await checkAccessibility(partner.page, "member with check-ins and goals", checked);
  await partner.page.getByRole("link", { name: "Walk twenty minutes" }).click();
  await partner.page.waitForURL(goalUrl);
  if ((await partner.page.textContent("#goal-progress")).trim() !== "1 of 30") fail("the partner does not see the progress");
  if ((await partner.page.textContent("main")).includes("I did it")) fail("the partner was offered the owner's progress button");
  await checkAccessibility(partner.page, "partner's goal", checked);
  await partner.page.getByRole("link", { name: "Send encouragement" }).click();
  await partner.page.waitForURL(/\/encouragement\/.+\?goal=/);
  await checkAccessibility(partner.page, "encouragement form", checked);
  await partner.page.fill("#body", "Proud of you. Keep walking!");
  await partner.page.getByRole("button", { name: "Send" }).click();
  await partner.page.waitForURL(`${base}/encouragement?sent=1`);
  await checkAccessibility(partner.page, "encouragement", checked);
  const partnerHome = await partner.page.goto(`${base}/`);
  if (!partnerHome.ok()) fail("the partner's home page failed");
  if (!(await partner.page.textContent("main")).includes(`${memberHandle} made progress on`)) fail("the partner's feed lacks the progress");

  await page.goto(`${base}/`);
  await page.getByText(`${partnerHandle} encouraged you`).waitFor();
  await checkAccessibility(page, "home with circle feed", checked);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: join(here, "..", "docs", "screenshots", "feed.png"), fullPage: true });

  // A strong craving: the check-in page offers a one-tap reach-out.
  await page.goto(`${base}/checkins`);
  await page.getByLabel("9", { exact: true }).check();
  await page.getByRole("button", { name: "Update today's check-in" }).click();
  await page.getByRole("button", { name: "Reach out now" }).waitFor();
  await checkAccessibility(page, "check-in with risk banner", checked);
  await member.context.close();
  await partner.context.close();
}

// A workplace group: the organiser starts it private and invite-only and
// makes an invite code; a colleague joins with the link and posts; the
// organiser schedules a weekly meeting; the colleague puts "my meetings"
// into their calendar and the feed holds the meeting.
async function groupJourney(browser, base, checked, offOrigin, consoleErrors) {
  const suffix = Date.now() % 1_000_000;
  const organiser = await newMember(browser, base, `organiser_${suffix}`, offOrigin, consoleErrors);
  const colleague = await newMember(browser, base, `colleague_${suffix}`, offOrigin, consoleErrors);
  const page = organiser.page;
  const name = `Acme recovery circle ${suffix}`;

  await page.goto(`${base}/resources/start-a-group`);
  await checkAccessibility(page, "guide: start a group", checked);
  await page.getByRole("link", { name: "Groups" }).first().click();
  await page.waitForURL(`${base}/groups`);
  await checkAccessibility(page, "groups directory", checked);
  await page.getByRole("link", { name: "Start a group" }).click();
  await page.waitForURL(`${base}/groups/new`);
  await page.fill("#name", name);
  await page.getByLabel("At work").check();
  await page.getByLabel("Private: only members know it exists").check();
  await page.getByLabel("With an invite code only").check();
  await checkAccessibility(page, "start a group", checked);
  await page.getByRole("button", { name: "Start the group" }).click();
  await page.waitForURL(/\/groups\/acme-recovery-circle-\d+$/);
  const groupUrl = page.url();
  await page.getByRole("link", { name: "Settings and invites" }).click();
  await page.selectOption("#uses", "any");
  await page.getByRole("button", { name: "Make an invite code" }).click();
  const inviteUrl = await page.inputValue("#invite-url");
  if (!inviteUrl.includes("/join-group/")) fail(`no invite link: ${inviteUrl}`);
  await checkAccessibility(page, "group settings with invite", checked);

  // The colleague can't see the group before joining, then joins by the link.
  const logged = consoleErrors.length;
  const hidden = await colleague.page.goto(groupUrl);
  if (hidden.status() !== 404) fail(`a private group answered ${hidden.status()} to a stranger`);
  // The browser logs the expected 404 as a failed load: not an error here.
  for (let i = consoleErrors.length - 1; i >= logged; i--) {
    if (consoleErrors[i].includes("404")) consoleErrors.splice(i, 1);
  }
  await colleague.page.goto(inviteUrl.replace(/^https?:\/\/[^/]+/, base));
  await checkAccessibility(colleague.page, "invite landing", checked);
  await colleague.page.getByRole("button", { name: `Join ${name}` }).click();
  await colleague.page.waitForURL(groupUrl);
  await colleague.page.fill("#title", "First week back");
  await colleague.page.fill("#body", "Glad this exists. Coffee on Thursday? https://example.org/menu");
  await colleague.page.getByRole("button", { name: "Post" }).click();
  await colleague.page.waitForURL(/\/threads\/[0-9a-f-]{36}$/);
  const link = colleague.page.locator(".body a[href='https://example.org/menu']");
  if ((await link.count()) !== 1) fail("the link in the post is not clickable");
  await checkAccessibility(colleague.page, "group thread", checked);

  // The organiser sees it as new, and schedules the weekly meeting.
  await page.goto(groupUrl);
  await page.getByText("First week back").waitFor();
  if ((await page.locator("#threads .badge").count()) !== 1) fail("the new thread is not marked unread");
  await checkAccessibility(page, "group page", checked);
  await page.getByRole("link", { name: "Schedule a meeting" }).click();
  await page.fill("#name", "Monday lunch");
  await page.getByLabel("Monday", { exact: true }).check();
  await page.fill("#start_time", "12:30");
  await page.fill("#end_time", "13:15");
  await page.fill("#time_zone", zone);
  await page.fill("#location", "Room 4B");
  await checkAccessibility(page, "schedule a meeting", checked);
  await page.getByRole("button", { name: "Save the meeting" }).click();
  await page.waitForURL(/\/meetings\/acme-recovery-circle-\d+-monday-lunch$/);
  await page.getByText("Mondays, 12:30-13:15 (America/Chicago)").waitFor();
  await checkAccessibility(page, "meeting", checked);

  // The colleague adds "my meetings" to their calendar.
  await colleague.page.goto(`${base}/meetings/calendar`);
  await colleague.page.getByRole("button", { name: "Make my calendar feed" }).click();
  const feedUrl = await colleague.page.inputValue("#calendar-url");
  await checkAccessibility(colleague.page, "my calendar feed", checked);
  const feed = await colleague.page.request.get(feedUrl.replace(/^https?:\/\/[^/]+/, base));
  const ics = await feed.text();
  if (feed.status() !== 200 || !ics.includes("SUMMARY:Monday lunch") || !ics.includes("BEGIN:VTIMEZONE")) {
    fail(`the calendar feed does not hold the meeting: ${feed.status()} ${ics.slice(0, 200)}`);
  }
  if (!ics.includes("RRULE:FREQ=WEEKLY;BYDAY=MO")) fail("the meeting is not weekly in the feed");

  // The finder works for anyone, with the feed link in its head.
  await colleague.page.goto(`${base}/meetings`);
  const alternate = await colleague.page.locator('link[rel="alternate"][title="Meetings Feed"]').count();
  if (alternate !== 1) fail("the finder has no Meeting Guide feed link");
  await checkAccessibility(colleague.page, "meeting finder", checked);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: join(here, "..", "docs", "screenshots", "group.png"), fullPage: true });

  // Resources, and the member's data pages.
  await colleague.page.goto(`${base}/resources`);
  await colleague.page.getByText("988 Suicide and Crisis Lifeline").first().waitFor();
  await checkAccessibility(colleague.page, "resources", checked);
  await colleague.page.goto(`${base}/settings/access-log`);
  await checkAccessibility(colleague.page, "access log", checked);
  await colleague.page.goto(`${base}/settings/delete`);
  await checkAccessibility(colleague.page, "delete my account", checked);
  await organiser.context.close();
  await colleague.context.close();
}

// A member reports another; a moderator (made with the CLI, as an operator
// would) suspends them from the queue; the suspended member sees where they
// stand, and a reach-out ends on the crisis lines.
async function moderationJourney(browser, base, dataDir, checked, offOrigin, consoleErrors) {
  const suffix = Date.now() % 1_000_000;
  const trollHandle = `troll_${suffix}`;
  const modHandle = `modr_${suffix}`;
  const reporter = await newMember(browser, base, `reporter_${suffix}`, offOrigin, consoleErrors);
  const troll = await newMember(browser, base, trollHandle, offOrigin, consoleErrors);

  await reporter.page.goto(`${base}/report?kind=member&handle=${trollHandle}`);
  await checkAccessibility(reporter.page, "report a member", checked);
  await reporter.page.getByLabel("Harassment or bullying").check();
  await reporter.page.fill("#reason", "Keeps sending me insults after I asked them to stop.");
  await reporter.page.getByRole("button", { name: "Send the report" }).click();
  await reporter.page.getByText("Thank you for telling us").waitFor();
  await checkAccessibility(reporter.page, "report sent", checked);

  const made = spawnSync(bin, ["admin", "create-member", modHandle, "--role", "moderator", "--password-stdin"], {
    env: { ...process.env, BELAY_DATA_DIR: dataDir, DATABASE_URL: "" },
    input: "a long and calm passphrase\n",
  });
  if (made.status !== 0) fail(`belay admin create-member failed: ${made.stderr}`);
  const context = await browser.newContext({ timezoneId: zone, viewport: { width: 1280, height: 900 } });
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.hostname !== "127.0.0.1") offOrigin.push(request.url());
  });
  const mod = await context.newPage();
  mod.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  await mod.goto(`${base}/login`);
  await mod.fill("#handle", modHandle);
  await mod.fill("#password", "a long and calm passphrase");
  await mod.getByRole("button", { name: "Log in" }).click();
  await mod.waitForURL(`${base}/`);
  await mod.goto(`${base}/admin/moderation`);
  await mod.getByText("Keeps sending me insults").waitFor();
  await checkAccessibility(mod, "moderation queue", checked);
  const item = mod.locator("li.result", { hasText: trollHandle });
  await item.getByLabel("Action").selectOption("suspend");
  await item.getByLabel("Reason, told to the member").fill("Insults after being asked to stop.");
  await item.getByLabel("Days (to suspend)").fill("2");
  await item.getByRole("button", { name: "Do it" }).click();
  await mod.waitForURL(`${base}/admin/moderation`);
  await mod.getByText("Nothing to look at").waitFor();
  await mod.goto(`${base}/admin/moderation/log`);
  await mod.getByText(`suspend ${trollHandle}`).waitFor();
  await checkAccessibility(mod, "moderation log", checked);

  await troll.page.goto(`${base}/settings/safety`);
  await troll.page.getByText("Your account is paused").waitFor();
  await checkAccessibility(troll.page, "my standing", checked);
  await troll.page.goto(`${base}/reach-out`);
  await troll.page.getByRole("button", { name: "I need support now" }).click();
  await troll.page.getByText("Your account is paused, so Belay can't ask your circle").waitFor();
  if (!(await troll.page.textContent("main")).includes("988")) fail("a refused reach-out must show the crisis lines");
  // The refusal is a 403: the browser logs it as a failed load, not an error here.
  for (let i = consoleErrors.length - 1; i >= 0; i--) {
    if (consoleErrors[i].includes("403")) consoleErrors.splice(i, 1);
  }
  await context.close();
  await reporter.context.close();
  await troll.context.close();
}

async function main() {
  const server = startServer();
  const base = await server.address;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
  const shots = process.env.SCREENSHOTS ? join(here, "..", "docs", "screenshots") : null;
  if (shots) mkdirSync(shots, { recursive: true });
  const offOrigin = [];
  const consoleErrors = [];
  const checked = [];
  try {
    const context = await browser.newContext({ timezoneId: zone, viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    context.on("request", (request) => {
      const url = new URL(request.url());
      if (url.protocol === "data:" || url.protocol === "about:") return;
      if (url.hostname !== "127.0.0.1") offOrigin.push(request.url());
    });
    const page = await context.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });
    page.on("dialog", (dialog) => dialog.accept());

    await page.goto(`${base}/`);
    await checkAccessibility(page, "landing", checked);
    await page.getByRole("link", { name: "Create an account" }).first().click();
    await page.waitForURL(`${base}/signup`);
    if ((await page.inputValue("#time_zone")) !== zone) fail("the time zone was not pre-filled from the browser");
    await checkAccessibility(page, "sign-up", checked);
    if (shots) await page.screenshot({ path: join(shots, "signup.png"), fullPage: true });

    const handle = `e2e_${Date.now() % 1_000_000}`;
    await page.fill("#handle", handle);
    await page.fill("#password", "a long and calm passphrase");
    await page.getByRole("button", { name: "Create my account" }).click();
    await page.waitForURL(`${base}/`);
    if (!(await page.textContent("h1")).includes(handle)) fail("the home page does not greet the new member");
    await checkAccessibility(page, "home (empty)", checked);

    await page.getByRole("link", { name: "Start a clock" }).click();
    const today = localDate(new Date(), zone);
    const start = daysBefore(today, 10);
    await page.fill("#label", "alcohol");
    await page.fill("#started_on", start);
    await checkAccessibility(page, "clocks", checked);
    await page.getByRole("button", { name: "Start the clock" }).click();
    await page.waitForURL(`${base}/`);
    const card = page.getByRole("article", { name: "alcohol clock" });
    const days = (await card.locator(".num").textContent()).trim();
    if (days !== "10") fail(`expected 10 days on the home page, saw ${days}`);
    await checkAccessibility(page, "home", checked);
    if (shots) await page.screenshot({ path: join(shots, "home.png"), fullPage: true });

    await page.getByRole("link", { name: "Profile" }).click();
    await page.getByLabel("Alcohol").check();
    await page.fill("#bio", "One day at a time.");
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByText("Your profile is saved.").waitFor();
    await checkAccessibility(page, "profile", checked);
    if (shots) await page.screenshot({ path: join(shots, "profile.png"), fullPage: true });

    await page.getByRole("link", { name: "Settings" }).click();
    await checkAccessibility(page, "settings", checked);

    await page.getByRole("link", { name: "Get help now" }).click();
    await page.waitForURL(`${base}/help`);
    if (!(await page.textContent("body")).includes("988")) fail("the help page does not show 988");
    await checkAccessibility(page, "help", checked);
    if (shots) await page.screenshot({ path: join(shots, "help.png"), fullPage: true });

    await page.goto(`${base}/`);
    await page.getByRole("button", { name: `Log out ${handle}` }).click();
    await page.waitForURL(`${base}/`);
    await page.getByRole("link", { name: "Log in" }).first().click();
    await checkAccessibility(page, "log-in", checked);
    await page.fill("#handle", handle);
    await page.fill("#password", "a long and calm passphrase");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${base}/`);
    if (days !== (await page.getByRole("article", { name: "alcohol clock" }).locator(".num").textContent()).trim()) {
      fail("the clock changed across log-out and log-in");
    }

    await circleJourney(browser, base, checked, offOrigin, consoleErrors);
    await supportJourney(browser, base, checked, offOrigin, consoleErrors);
    await groupJourney(browser, base, checked, offOrigin, consoleErrors);
    await moderationJourney(browser, base, server.dataDir, checked, offOrigin, consoleErrors);

    // Dark theme renders too (axe checks its contrast).
    const dark = await browser.newContext({ colorScheme: "dark", viewport: { width: 390, height: 844 } });
    const darkPage = await dark.newPage();
    dark.on("request", (request) => {
      const url = new URL(request.url());
      if (url.protocol !== "data:" && url.hostname !== "127.0.0.1") offOrigin.push(request.url());
    });
    await darkPage.goto(`${base}/help`);
    await checkAccessibility(darkPage, "help (dark)", checked);
    await darkPage.goto(`${base}/signup`);
    await checkAccessibility(darkPage, "sign-up (dark)", checked);
    await dark.close();

    if (offOrigin.length > 0) fail(`requests left 127.0.0.1: ${offOrigin.join(", ")}`);
    if (consoleErrors.length > 0) fail(`the browser logged errors: ${consoleErrors.join(" | ")}`);
    console.log(`browser journey passed: ${checked.length} pages checked with axe (${checked.join(", ")}); no request left 127.0.0.1`);
  } finally {
    await browser.close();
    server.child.kill("SIGTERM");
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  if (!process.exitCode) console.error(`browser journey FAILED: ${err.stack || err}`);
  process.exitCode = 1;
});
