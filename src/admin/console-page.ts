// The console page: plain HTML, a stylesheet and one script, no framework (a
// few panels). Styles and script are files of their own: the page's
// Content-Security-Policy allows nothing inline. Everything it shows comes from
// the admin API of the same origin, which the browser calls with the admin key
// it asked for (HTTP Basic). Data is written with textContent only: user ids
// and custom statuses are untrusted.
const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>presence console</title>
<link rel="stylesheet" href="/console/console.css">
</head>
<body>
<h1>presence console</h1>
<main>
  <section id="counts-panel"><h2>Counts</h2>
    <dl><dt>connections</dt><dd id="count-connections">–</dd><dt>logged-in connections</dt><dd id="count-loggedIn">–</dd>
    <dt>online users</dt><dd id="count-onlineUsers">–</dd><dt>subscriptions</dt><dd id="count-subscriptions">–</dd></dl>
  </section>
  <section id="switches-panel"><h2>Switches</h2>
    <label><input type="checkbox" id="featureEnabled"> user status query and change notification</label>
    <label><input type="checkbox" id="friendAutoNotify"> friend status auto notification</label>
    <label>plan <select id="plan"><option value="basic">basic</option><option value="premium">premium</option></select></label>
    <p class="status" id="switches-status"></p>
  </section>
  <section id="lookup-panel"><h2>User lookup</h2>
    <form id="lookup-form"><input id="lookup-ids" placeholder="user ids, comma separated" size="30"> <button>Look up</button></form>
    <table><thead><tr><th>user</th><th>status</th><th>custom</th><th>devices</th><th></th></tr></thead><tbody id="lookup-rows"></tbody></table>
    <p class="status" id="lookup-status"></p>
  </section>
  <section id="feed-panel"><h2>Live status changes</h2><ul id="feed"></ul><p class="status" id="feed-status"></p></section>
  <section id="limits-panel"><h2>Limits</h2><form id="limits-form"><div id="limits-fields"></div><button>Apply</button></form><p class="status" id="limits-status"></p></section>
</main>
<script src="/console/console.js"></script>
</body>
</html>
`;

const CONSOLE_CSS = `body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 2rem; color: #222; }
h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
section { border: 1px solid #ccc; border-radius: 6px; padding: .75rem 1rem; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .2rem 1rem; margin: 0; }
dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .15rem .4rem; border-bottom: 1px solid #eee; }
#feed { list-style: none; padding: 0; margin: 0; max-height: 24rem; overflow-y: auto; font-family: ui-monospace, monospace; font-size: 12px; }
.status { min-height: 1.2em; color: #555; } .error { color: #b00020; }
label { display: block; margin: .25rem 0; } input[type=number] { width: 8rem; }
`;

const CONSOLE_SCRIPT = `"use strict";
const api = "/admin/v1";
const $ = (id) => document.getElementById(id);
const short = (name) => String(name).replace(/^(USER_STATUS_TYPE|STATUS_CHANGE_REASON|ERROR_CODE|PLATFORM)_/, "");

async function call(method, path, body) {
  const response = await fetch(api + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error((json.error.field ? json.error.field + ": " : "") + json.error.message);
  return json;
}

function say(id, text, failed) {
  $(id).textContent = text;
  $(id).className = failed ? "status error" : "status";
}

async function refreshCounts() {
  try {
    const counts = await call("GET", "/counts");
    for (const key of ["connections", "loggedIn", "onlineUsers", "subscriptions"]) $("count-" + key).textContent = counts[key] ?? "n/a";
  } catch (error) {
    $("count-connections").textContent = "?";
  }
}

function showSettings(settings) {
  $("featureEnabled").checked = settings.featureEnabled;
  $("friendAutoNotify").checked = settings.friendAutoNotify;
  $("plan").value = settings.plan;
  const fields = $("limits-fields");
  fields.replaceChildren();
  for (const [name, value] of Object.entries(settings.limits)) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "number"; input.name = name; input.defaultValue = String(value); input.min = "1";
    label.append(input, " " + name);
    fields.append(label);
  }
}

async function changeSettings(change, statusId) {
  say(statusId, "saving…");
  try {
    showSettings(await call("PATCH", "/settings", change));
    say(statusId, "saved " + new Date().toLocaleTimeString());
  } catch (error) {
    say(statusId, error.message, true);
    showSettings(await call("GET", "/settings"));
  }
}

for (const id of ["featureEnabled", "friendAutoNotify"]) $(id).addEventListener("change", (event) => changeSettings({ [id]: event.target.checked }, "switches-status"));
$("plan").addEventListener("change", (event) => changeSettings({ plan: event.target.value }, "switches-status"));
$("limits-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const limits = {};
  for (const input of $("limits-fields").querySelectorAll("input")) if (input.value !== input.defaultValue) limits[input.name] = Number(input.value);
  changeSettings({ limits }, "limits-status");
});

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function lookup() {
  const userIds = $("lookup-ids").value.split(/[\\s,]+/).filter(Boolean);
  if (userIds.length === 0) return;
  try {
    const result = await call("POST", "/statuses/query", { userIds });
    const rows = result.statuses.map((status) => {
      const row = document.createElement("tr");
      const devices = (status.onlineDevices || []).map((d) => d.deviceId + " (" + short(d.platform) + ")").join(", ");
      const kick = document.createElement("button");
      kick.textContent = "kick";
      kick.disabled = !status.onlineDevices || status.onlineDevices.length === 0;
      kick.addEventListener("click", async () => {
        const kicked = await call("POST", "/users/" + encodeURIComponent(status.userId) + "/kick", {});
        say("lookup-status", "kicked " + status.userId + ": " + (kicked.kicked.join(", ") || "no device on this node"));
        lookup();
      });
      const action = document.createElement("td");
      action.append(kick);
      row.append(cell(status.userId), cell(short(status.statusType)), cell(status.customStatus || ""), cell(devices), action);
      return row;
    });
    $("lookup-rows").replaceChildren(...rows);
    say("lookup-status", result.errors.map((e) => e.userId + ": " + short(e.code)).join("; "), result.errors.length > 0);
  } catch (error) {
    say("lookup-status", error.message, true);
  }
}
$("lookup-form").addEventListener("submit", (event) => {
  event.preventDefault();
  lookup();
});

function follow() {
  const feed = new EventSource(api + "/events");
  feed.addEventListener("open", () => say("feed-status", "live"));
  feed.addEventListener("error", () => say("feed-status", "reconnecting…", true));
  feed.addEventListener("status", (event) => {
    const status = JSON.parse(event.data);
    const item = document.createElement("li");
    item.textContent = new Date().toLocaleTimeString() + "  " + status.userId + "  " + short(status.statusType) + "  (" + short(status.reason) + ")  v" + status.version;
    $("feed").prepend(item);
    while ($("feed").children.length > 200) $("feed").lastChild.remove();
    refreshCounts();
  });
}

call("GET", "/settings").then(showSettings, (error) => say("switches-status", error.message, true));
refreshCounts();
setInterval(refreshCounts, 2000);
follow();
`;

/** The console's files by path; the page is the console's root. */
export const CONSOLE_FILES: Readonly<Record<string, { type: string; text: string }>> = {
  "/console": { type: "text/html; charset=utf-8", text: CONSOLE_HTML },
  "/console/console.css": { type: "text/css; charset=utf-8", text: CONSOLE_CSS },
  "/console/console.js": { type: "text/javascript; charset=utf-8", text: CONSOLE_SCRIPT },
};
