// End-to-end: the real API on a PostgreSQL database of its own, serving the built SPA, driven
// by Debian's chromium through playwright-core. Creates and drops everything it uses; exits
// non-zero on any failure. Screenshots land in e2e/artifacts/.
//
//   node e2e/run.mjs            (after `npm run build`; needs ../.venv with the API installed)
//   E2E_DATABASE_SERVER=postgresql://postgres@127.0.0.1:5432  E2E_HEADED=1  to override
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, existsSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const frontend = resolve(here, "..");
const root = resolve(frontend, "..");
const artifacts = join(here, "artifacts");
const server = process.env.E2E_DATABASE_SERVER ?? "postgresql://postgres@127.0.0.1:5432";
const dbName = `mastermind_e2e_${randomBytes(4).toString("hex")}`;
const password = "e2e-demo-password-123";
const mastermind = join(root, ".venv", "bin", "mastermind");
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const started = Date.now();
const timings = [];
let apiProcess = null;
let browser = null;
let dbCreated = false;
let receiver = null;

function log(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    const result = await fn();
    timings.push({ name, ms: Date.now() - t0 });
    log(`ok   ${name} (${Date.now() - t0} ms)`);
    return result;
  } catch (error) {
    log(`FAIL ${name}`);
    throw error;
  }
}

function psql(sql) {
  execFileSync("psql", [`${server}/postgres`, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { stdio: "pipe" });
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function run(args, env) {
  execFileSync(mastermind, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
}

async function waitFor(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      /* not up yet */
    }
    if (apiProcess?.exitCode !== null) throw new Error("the API exited during start-up");
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms`);
}

async function apiToken(base, email) {
  const response = await fetch(`${base}/api/v1/auth/token`, {
    method: "POST",
    body: new URLSearchParams({ username: email, password }),
  });
  if (!response.ok) throw new Error(`token for ${email}: ${response.status}`);
  return (await response.json()).access_token;
}

async function apiPost(base, token, path, body) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A webhook subscriber on localhost that answers 500 to its first request, then 204. */
async function startReceiver() {
  const requests = [];
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on("end", () => {
      requests.push({ signature: request.headers["webhook-signature"] });
      response.writeHead(requests.length === 1 ? 500 : 204).end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, requests, close: () => server.close() };
}

async function apiGet(base, token, path) {
  const response = await fetch(`${base}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function expect(condition, message) {
  if (!condition) throw new Error(`expectation failed: ${message}`);
}

async function signIn(page, base, email) {
  await page.goto(`${base}/login`);
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByRole("textbox", { name: "Password" }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
  await page.getByRole("heading", { name: "My day" }).waitFor();
}

async function shot(page, name) {
  await page.waitForTimeout(300); // let charts finish their entry animation
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

async function newPage(context, label) {
  const page = await context.newPage();
  page.on("pageerror", (error) => log(`${label} page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") log(`${label} console: ${message.text()}`);
  });
  return page;
}

async function ledgerGiven(page, base, userId) {
  await page.goto(`${base}/ledger`);
  const cell = page.getByTestId(`ledger-row-${userId}`).getByTestId("given");
  await cell.waitFor();
  return Number((await cell.textContent()).trim());
}

async function scenario(base, receiver) {
  const suffix = randomBytes(3).toString("hex");
  const ownerEmail = "priya.natarajan@northwind.example";
  const launch = { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: !process.env.E2E_HEADED, args: CHROMIUM_ARGS };
  browser = await step("launch chromium", () => chromium.launch(launch));
  const ownerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const owner = await newPage(ownerContext, "owner");
  owner.setDefaultTimeout(15_000);

  await step("a newcomer registers an organization and sees empty states", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await newPage(context, "newcomer");
    await page.goto(`${base}/register`);
    await page.getByRole("textbox", { name: "Organization" }).fill(`E2E Org ${suffix}`);
    await page.getByRole("textbox", { name: "Your name" }).fill("Nora Newcomer");
    await page.getByRole("textbox", { name: "Email" }).fill(`nora.${suffix}@example.com`);
    await page.getByRole("textbox", { name: "Password" }).fill("a-long-enough-password-42");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.getByRole("heading", { name: "My day" }).waitFor();
    await page.getByText("No projects yet — open one from a client.").waitFor();
    await shot(page, "00-register-empty-my-day");
    await context.close();
  });

  await step("owner signs in", () => signIn(owner, base, ownerEmail));
  await shot(owner, "01-my-day");

  const clientName = `E2E Robotics ${suffix}`;
  await step("owner creates a client", async () => {
    await owner.getByRole("link", { name: "Clients" }).click();
    await owner.getByRole("heading", { name: "Clients" }).waitFor();
    await owner.getByRole("button", { name: "New client" }).click();
    const dialog = owner.getByRole("dialog", { name: "New client" });
    await dialog.getByRole("textbox", { name: "Name" }).fill(clientName);
    await dialog.getByRole("textbox", { name: "Industry" }).fill("Manufacturing");
    await dialog.getByRole("button", { name: "Create client" }).click();
    await dialog.waitFor({ state: "hidden" });
    await owner.getByRole("textbox", { name: "Search" }).fill(clientName);
    await owner.getByRole("link", { name: clientName }).click();
    await owner.getByRole("heading", { name: clientName }).waitFor();
    await owner.getByRole("button", { name: "Edit" }).click();
    const edit = owner.getByRole("dialog", { name: "Edit client" });
    await edit.getByRole("textbox", { name: "Industry" }).fill("Industrial automation");
    await edit.getByRole("button", { name: "Save" }).click();
    await edit.waitFor({ state: "hidden" });
    await owner.getByText(/Industrial automation · owner/).waitFor();
  });
  await shot(owner, "02-client");

  const projectTitle = `Robotics rollout ${suffix}`;
  await step("owner opens a project on the client", async () => {
    await owner.getByRole("button", { name: "Open a project" }).first().click();
    const dialog = owner.getByRole("dialog", { name: "Open a project" });
    await dialog.getByRole("textbox", { name: "Title" }).fill(projectTitle);
    await dialog.getByRole("textbox", { name: "Objective" }).fill("Win the pilot line for automated packaging.");
    await dialog.getByRole("button", { name: "Open project" }).click();
    await owner.getByRole("heading", { name: projectTitle }).waitFor();
  });
  const projectUrl = owner.url();

  const helper = await step("owner invites the top suggested helper", async () => {
    const list = owner.getByTestId("suggested-helpers");
    const invite = list.getByRole("button", { name: /^Invite / }).first();
    const label = await invite.getAttribute("aria-label");
    const name = label.replace(/^Invite /, "");
    await invite.click();
    await owner.getByText(`${name} invited`).waitFor();
    await owner.getByTestId("team-budgets").getByText(new RegExp(`${name} · helper \\(invited\\)`)).waitFor();
    return name;
  });
  await shot(owner, "03-project");

  // Who the helper is, as the API knows them: to sign in as them and read their ledger row.
  const ownerToken = await apiToken(base, ownerEmail);
  const project = await apiGet(base, ownerToken, `/projects/${projectUrl.split("/").pop()}`);
  const members = await apiGet(base, ownerToken, `/projects/${project.id}/members`);
  const helperMember = members.items.find((m) => m.full_name === helper);
  expect(helperMember, `the invited helper ${helper} is a member`);
  const helperUser = await apiGet(base, ownerToken, `/users/${helperMember.user_id}`);

  const helperContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const guest = await newPage(helperContext, "helper");
  guest.setDefaultTimeout(15_000);
  await step(`helper (${helper}) signs in and accepts the invitation from My day`, async () => {
    await signIn(guest, base, helperUser.email);
    const card = guest.getByTestId("invitations").getByTestId("invitation").filter({ hasText: projectTitle });
    await card.waitFor();
    await card.getByText(/invited by Priya Natarajan/).waitFor();
    await shot(guest, "03b-my-day-invitation");
    await card.getByRole("button", { name: `Accept ${projectTitle}` }).click();
    await card.waitFor({ state: "hidden" });
    // Accepted: the project is one they help on now.
    await guest.getByRole("link", { name: projectTitle }).first().waitFor();
    await guest.goto(projectUrl);
    await guest.getByTestId("team-budgets").getByText(new RegExp(`${helper} · helper$`)).waitFor();
  });
  const givenBefore = await step("helper reads their ledger row", () => ledgerGiven(guest, base, helperUser.id));
  await step("helper logs preparation time on the project", async () => {
    await guest.goto(projectUrl);
    const form = guest.getByRole("form", { name: "Log time" });
    await form.getByRole("textbox", { name: "Minutes" }).fill("20");
    await form.getByRole("textbox", { name: "Note" }).fill("Read their Q3 report");
    await form.getByRole("button", { name: "Log time" }).click();
    await guest.getByText("Time logged").waitFor();
    await guest.getByLabel(new RegExp(`^${helper} · helper: 20 of`)).waitFor();
  });

  await step("owner schedules and starts a session", async () => {
    await owner.reload();
    await owner.getByRole("button", { name: "Schedule a session" }).first().click();
    const dialog = owner.getByRole("dialog", { name: "Schedule a session" });
    await dialog.getByRole("textbox", { name: "Title" }).fill(`Approach for ${clientName}`);
    await dialog.getByRole("textbox", { name: "Agenda / brief" }).fill("Who buys, what they fear, how we open.");
    await dialog.getByRole("button", { name: "Schedule session" }).click();
    await owner.getByTestId("start-session").click();
    await owner.getByTestId("countdown").waitFor();
    await owner.getByText("live updates on").waitFor();
  });
  const roomUrl = owner.url();

  const idea = `Open with the downtime numbers from their Q3 report ${suffix}`;
  const liveMs = await step("helper posts an idea; the owner sees it live", async () => {
    await guest.goto(roomUrl);
    await guest.getByText("live updates on").waitFor();
    await guest.getByTestId("compose").fill(idea);
    // The owner's board must change through the event stream, not by re-reading the list.
    const refetches = [];
    const watch = (request) => {
      if (request.method() === "GET" && /\/contributions(\?|$)/.test(request.url())) refetches.push(request.url());
    };
    owner.on("request", watch);
    const t0 = Date.now();
    await guest.getByTestId("compose").press("Enter");
    await owner.getByTestId("column-idea").getByText(idea).waitFor({ timeout: 10_000 });
    const elapsed = Date.now() - t0;
    owner.off("request", watch);
    expect(refetches.length === 0, `the owner's board was not re-fetched (${refetches.join(", ")})`);
    return elapsed;
  });
  log(`idea appeared in the owner's room ${liveMs} ms after Enter (no reload)`);

  await step("owner votes; the helper sees the vote live", async () => {
    const card = owner.getByTestId("contribution").filter({ hasText: idea });
    await card.getByTestId("vote").click();
    await card.getByTestId("vote").filter({ hasText: "▲ 1" }).waitFor();
    await guest.getByTestId("contribution").filter({ hasText: idea }).getByTestId("vote").filter({ hasText: "▲ 1" }).waitFor({ timeout: 10_000 });
  });

  await step("owner adopts; the helper sees it adopted live", async () => {
    const card = owner.getByTestId("contribution").filter({ hasText: idea });
    await card.getByTestId("decide").click();
    await owner.getByRole("menuitem", { name: "Adopt" }).click();
    await guest.locator('[data-testid="contribution"][data-status="adopted"]').filter({ hasText: idea }).waitFor({ timeout: 10_000 });
  });
  await step("owner turns the idea into an action item", async () => {
    const card = owner.getByTestId("contribution").filter({ hasText: idea });
    await card.getByTestId("decide").click();
    await owner.getByRole("menuitem", { name: "Make an action item" }).click();
    const dialog = owner.getByRole("dialog", { name: "Action item from this contribution" });
    await dialog.getByRole("textbox", { name: "Title" }).fill(`Pull the Q3 downtime figures ${suffix}`);
    await dialog.getByRole("button", { name: "Create action item" }).click();
    await dialog.waitFor({ state: "hidden" });
  });
  await shot(owner, "04-session-room-owner");
  await shot(guest, "05-session-room-helper");

  await step("the room shows who is present: the owner and the helper", async () => {
    const here = owner.getByTestId("presence");
    await here.getByTestId("present").filter({ hasText: helper }).waitFor({ timeout: 10_000 });
    await here.getByTestId("present").filter({ hasText: "Priya Natarajan" }).waitFor();
  });

  const measured = await step("owner completes the session with the measured attendance", async () => {
    await owner.getByTestId("complete-session").click();
    const dialog = owner.getByRole("dialog", { name: "Complete the session" });
    await dialog.getByRole("textbox", { name: "Summary" }).fill("Lead with downtime cost; pilot on one line.");
    await dialog.getByRole("textbox", { name: "Decisions" }).fill("Pilot on line 3\nCFO in the second meeting");
    // Pre-filled from presence, not the time box; left as measured, no attendance is sent.
    const helperRow = dialog.getByTestId("attendance-row").filter({ hasText: helper });
    const minutesBox = helperRow.getByRole("textbox", { name: `Minutes credited to ${helper}` });
    await minutesBox.waitFor();
    const prefilled = Number(await minutesBox.inputValue());
    expect(prefilled >= 1 && prefilled <= 5, `the helper's minutes are measured (${prefilled}), not the 30-minute box`);
    await dialog.getByText("The measured minutes are credited.").waitFor();
    await shot(owner, "05b-complete-measured-attendance");
    const sent = owner.waitForRequest((r) => r.method() === "POST" && /\/complete$/.test(r.url()));
    await dialog.getByRole("button", { name: "Complete session" }).click();
    const body = JSON.parse((await sent).postData() ?? "{}");
    expect(!("attendance" in body), "no attendance is sent when the facilitator changed nothing");
    await owner.waitForURL(/\/outcome$/);
    await owner.getByTestId("outcome-summary").getByText("Lead with downtime cost").waitFor();
    await owner.getByTestId("adopted").getByText(idea).waitFor();
    const row = owner.getByTestId("outcome-attendance").getByRole("row").filter({ hasText: helper });
    const cells = await row.getByRole("cell").allTextContents();
    expect(cells[1] === cells[2], `credited equals measured for the helper (${cells.join(" | ")})`);
    return prefilled;
  });
  log(`the helper was measured present ${measured} min and credited that, not the 30-minute time box`);
  await owner.getByText(`Pull the Q3 downtime figures ${suffix}`).waitFor();
  await shot(owner, "06-outcome");

  await step("the sessions list shows the held session with its project and client", async () => {
    await owner.getByRole("link", { name: "Sessions" }).click();
    await owner.getByText("Completed", { exact: true }).click();
    const row = owner.getByRole("row").filter({ hasText: `Approach for ${clientName}` });
    await row.getByRole("link", { name: projectTitle }).waitFor();
    await row.getByRole("link", { name: clientName, exact: true }).waitFor();
    await row.getByTestId("when").getByText(/^held (just now|\d+ minutes? ago), \d+ min$/).waitFor();
    await shot(owner, "06b-sessions-held");
  });

  await step("helper reads the outcome and writes a takeaway", async () => {
    await guest.goto(`${roomUrl}/outcome`);
    await guest.getByRole("textbox", { name: "My takeaway" }).fill("Numbers from their own report beat our slides.");
    await guest.getByRole("button", { name: "Save takeaway" }).click();
    await guest.getByText("Numbers from their own report beat our slides.").last().waitFor();
  });

  const givenAfter = await step("the helper's ledger moves", () => ledgerGiven(guest, base, helperUser.id));
  // 20 minutes logged by hand, plus the measured presence: the ledger equals what happened.
  expect(givenAfter === givenBefore + 20 + measured, `minutes given grew by 20 + ${measured} (${givenBefore} -> ${givenAfter})`);
  log(`ledger: ${helper} gave ${givenBefore} -> ${givenAfter} minutes`);
  await shot(guest, "07-ledger-helper");

  await step("helper picks This fiscal year on the ledger; the heading names the period", async () => {
    // Already on /ledger: this fiscal quarter by default, named from the answer.
    const heading = guest.getByTestId("period-label");
    await heading.filter({ hasText: /Q[1-4]/ }).waitFor();
    const asked = guest.waitForRequest((r) => r.method() === "GET" && /\/api\/v1\/ledger\?period=fiscal_year$/.test(r.url()));
    await guest.getByRole("combobox", { name: "Period" }).click();
    await guest.getByRole("option", { name: "This fiscal year" }).click();
    await asked;
    await heading.filter({ hasText: /^(FY)?\d{4} \(/ }).waitFor();
    await guest.getByTestId(`ledger-row-${helperUser.id}`).waitFor();
    await shot(guest, "07b-ledger-fiscal-year");
  });

  await step("helper opens their profile from the top bar and saves a name reading", async () => {
    await guest.getByTestId("signed-in-as").click();
    await guest.waitForURL(`${base}/profile`);
    await guest.getByRole("heading", { name: "Your profile" }).waitFor();
    const form = guest.getByRole("form", { name: "Profile" });
    await form.getByRole("textbox", { name: "Name reading" }).fill("てすと へるぱー");
    await form.getByRole("button", { name: "Save profile" }).click();
    await guest.getByText("Profile saved").waitFor();
    await guest.reload();
    const reading = guest.getByRole("form", { name: "Profile" }).getByRole("textbox", { name: "Name reading" });
    await reading.waitFor();
    const kept = await reading.inputValue();
    expect(kept === "てすと へるぱー", `the name reading was saved (${kept})`);
    await shot(guest, "07c-profile");
  });

  await step("helper changes their password and stays signed in here (the revoked access token is refreshed)", async () => {
    const form = guest.getByRole("form", { name: "Change password" });
    await form.getByLabel("Current password").fill(password);
    await form.getByLabel("New password", { exact: true }).fill("e2e-new-password-456");
    await form.getByLabel("Confirm new password").fill("e2e-new-password-456");
    const renewed = guest.waitForResponse((r) => /\/api\/v1\/auth\/refresh$/.test(r.url()) && r.status() === 200);
    await form.getByRole("button", { name: "Change password" }).click();
    await guest.getByText("Password changed; your other devices are signed out").waitFor();
    await renewed;
    await guest.goto(`${base}/ledger`);
    await guest.getByTestId(`ledger-row-${helperUser.id}`).waitFor();
    expect(!guest.url().includes("/login"), `still signed in after the password change (${guest.url()})`);
  });

  await step("owner closes the project as won", async () => {
    await owner.goto(projectUrl);
    await owner.getByRole("button", { name: "Close won/lost" }).click();
    const dialog = owner.getByRole("dialog", { name: "Close project" });
    await dialog.getByRole("textbox", { name: "Note" }).fill("Pilot signed for line 3.");
    await dialog.getByRole("button", { name: "Close as won" }).click();
    await dialog.waitFor({ state: "hidden" });
    await owner.getByText("Closed: Pilot signed for line 3.").waitFor();
  });

  await step("manager and admin screens render", async () => {
    const managerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const manager = await newPage(managerContext, "manager");
    await signIn(manager, base, "morgan.reyes@northwind.example");
    await manager.goto(`${base}/team`);
    await manager.getByTestId("sessions-per-week-chart").waitFor();
    await shot(manager, "08-team-manager");
    await manager.goto(`${base}/ledger`);
    await manager.getByTestId("give-take-chart").waitFor();
    await shot(manager, "09-ledger-manager");
    await managerContext.close();

    const adminContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const admin = await newPage(adminContext, "admin");
    await signIn(admin, base, "alex.admin@northwind.example");
    await admin.goto(`${base}/settings`);
    await admin.getByRole("tab", { name: "People" }).waitFor();
    await shot(admin, "10-settings-people");
    await admin.getByRole("tab", { name: "Organization" }).click();
    await admin.getByRole("form", { name: "Organization settings" }).getByRole("button", { name: "Save settings" }).waitFor();
    await shot(admin, "10b-settings-organization");
    await admin.getByRole("tab", { name: "People" }).click();
    const integrations = admin.getByRole("tab", { name: "API keys" });
    if (await integrations.count()) {
      await integrations.click();
      await admin.getByRole("button", { name: "New API key" }).click();
      const dialog = admin.getByRole("dialog", { name: "New API key" });
      await dialog.getByRole("textbox", { name: "Name" }).fill(`BI export ${suffix}`);
      await dialog.getByRole("button", { name: "Create key" }).click();
      await dialog.getByTestId("shown-once").waitFor();
      await shot(admin, "11-settings-api-key-shown-once");
      await dialog.getByRole("button", { name: "Done" }).click();

      // The CRM connection's copyable example request must work as printed.
      await admin.getByRole("tab", { name: "CRM" }).click();
      await admin.getByRole("button", { name: "Connect a CRM" }).click();
      const crm = admin.getByRole("dialog", { name: "Connect a CRM" });
      await crm.getByRole("textbox", { name: "Name" }).fill(`Generic CRM ${suffix}`);
      await crm.getByLabel("Default owner").click();
      await admin.getByRole("option", { name: "Priya Natarajan" }).click();
      await crm.getByRole("button", { name: "Connect" }).click();
      const example = await crm.locator("pre").first().textContent();
      await shot(admin, "11b-settings-crm-secret-shown-once");
      const answer = execFileSync("bash", ["-c", example], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      log(`the example CRM request was accepted: ${answer.trim().slice(0, 120)}`);
      const deals = await apiGet(base, ownerToken, `/projects?q=${encodeURIComponent("Pilot order")}`);
      expect(deals.items.length >= 1, "the example deal opened a project");
      await crm.getByRole("button", { name: "Done" }).click();

      // An outbound webhook to a local receiver that fails once: the log shows it, Retry fixes it.
      await admin.getByRole("tab", { name: "Webhooks" }).click();
      await admin.getByRole("button", { name: "New endpoint" }).click();
      const hook = admin.getByRole("dialog", { name: "New webhook endpoint" });
      await hook.getByRole("textbox", { name: "URL" }).fill(receiver.url);
      await hook.getByRole("textbox", { name: "Description" }).fill("e2e receiver");
      await hook.getByRole("button", { name: "Add endpoint" }).click();
      await hook.getByTestId("shown-once").waitFor();
      await hook.getByRole("button", { name: "Done" }).click();
      await apiPost(base, ownerToken, "/projects", {
        title: `Webhook probe ${suffix}`,
        kind: "prospecting",
        objective: "",
        helper_budget_minutes: 60,
        currency: "EUR",
      });
      await admin.getByRole("button", { name: "Deliveries" }).click();
      const drawer = admin.getByRole("dialog", { name: /^Deliveries to / });
      await drawer.locator("tbody").getByText(/^500/).first().waitFor({ timeout: 20_000 });
      await shot(admin, "11c-webhook-delivery-failed");
      await drawer.getByRole("button", { name: "Retry" }).first().click();
      await drawer.locator("tbody").getByText("delivered", { exact: true }).first().waitFor({ timeout: 20_000 });
      expect(receiver.requests.length >= 2, `the receiver got the retry (${receiver.requests.length} requests)`);
      expect(receiver.requests.every((r) => r.signature?.startsWith("v1,")), "deliveries are signed");
      await shot(admin, "11d-webhook-delivery-retried");
    }
    await adminContext.close();
  });

  await step("phone width: my day, a live room, an outcome", async () => {
    const phoneContext = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const phone = await newPage(phoneContext, "phone");
    await signIn(phone, base, ownerEmail);
    await shot(phone, "12-phone-my-day");
    // My day's one action: join the next (here: the demo's live) session.
    await phone.getByTestId("join-next").click();
    await phone.getByTestId("board").waitFor();
    await phone.getByText("live updates on").waitFor();
    await shot(phone, "13-phone-session-room");
    const roomOverflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(roomOverflow <= 1, `no horizontal scrolling in the room at 375 px (overflow ${roomOverflow}px)`);
    await phone.goto(roomUrl);
    await phone.getByTestId("outcome-summary").waitFor();
    await shot(phone, "14-phone-outcome");
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow <= 1, `no horizontal scrolling at 375 px (overflow ${overflow}px)`);
    await phoneContext.close();
  });
}

async function main() {
  rmSync(artifacts, { recursive: true, force: true }); // only this run's screenshots
  mkdirSync(artifacts, { recursive: true });
  expect(existsSync(join(frontend, "dist", "index.html")), "frontend/dist is built (npm run build)");
  expect(existsSync(mastermind), `${mastermind} exists (run the quick start or scripts/test.sh once)`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    ENVIRONMENT: "development",
    DATABASE_URL: `${server}/${dbName}`,
    SECRET_KEY: randomBytes(32).toString("hex"),
    MASTERMIND_DEMO_PASSWORD: password,
    MASTERMIND_SPA_DIR: join(frontend, "dist"),
    CORS_ORIGINS: base,
    // The e2e webhook receiver is on localhost over plain http.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    WEBHOOK_POLL_SECONDS: "0.5",
    LOG_LEVEL: "WARNING",
  };
  await step(`create database ${dbName}`, () => {
    psql(`CREATE DATABASE ${dbName}`);
    dbCreated = true;
  });
  await step("migrate and seed the demo", () => {
    run(["migrate"], env);
    run(["seed-demo"], env);
  });
  await step(`start the API with the SPA on ${base}`, async () => {
    apiProcess = spawn(mastermind, ["serve", "--skip-migrate", "--host", "127.0.0.1", "--port", String(port)], {
      cwd: root,
      env,
      stdio: ["ignore", "ignore", "inherit"],
      detached: true,
    });
    await waitFor(`${base}/readyz`);
  });
  receiver = await startReceiver();
  await scenario(base, receiver);
}

async function cleanup() {
  receiver?.close();
  if (browser) await browser.close().catch(() => {});
  if (apiProcess && apiProcess.exitCode === null) {
    try {
      process.kill(-apiProcess.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
    await new Promise((r) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-apiProcess.pid, "SIGKILL");
        } catch {
          /* gone */
        }
        r();
      }, 8000);
      apiProcess.once("exit", () => {
        clearTimeout(timer);
        r();
      });
    });
  }
  if (dbCreated) {
    try {
      psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    } catch (error) {
      console.error(`could not drop ${dbName}: ${error.message}`);
    }
  }
}

let failed = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    await cleanup();
    process.exit(130);
  });
}
try {
  await main();
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await cleanup();
}
console.log("\nE2E steps:");
for (const t of timings) console.log(`  ${String(t.ms).padStart(6)} ms  ${t.name}`);
console.log(`${failed ? "FAILED" : "passed"} in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${artifacts}`);
process.exit(failed ? 1 : 0);
