"use strict";
// The sandbox page: pick a channel, read what the bot posted (polled every second), type
// slash commands, click buttons, open the App Home. The server does the Slack side of it.
const { element } = Mrkdwn;
const $ = (id) => document.getElementById(id);
const app = { workspace: null, user: null, channel: null, view: "channel", shown: "", modal: { key: "" } };

// The per-run key arrives once in the printed URL (?key=...); this tab keeps it and sends it
// with every call, and the address bar drops it so it is not shared by a copied link.
const KEY_STORE = "costbot-sandbox-key";
function sandboxKey() {
  const given = new URLSearchParams(window.location.search).get("key");
  if (given) {
    sessionStorage.setItem(KEY_STORE, given);
    history.replaceState(null, "", window.location.pathname + window.location.hash);
  }
  return sessionStorage.getItem(KEY_STORE) || "";
}
const KEY = sandboxKey();
const NO_KEY = "This page needs the sandbox's key: open the URL that costbot demo printed (it ends in ?key=...).";

async function api(path, body) {
  const headers = { "X-Sandbox-Key": KEY };
  const options = body === undefined ? { headers } : {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  if (response.status === 403) throw new Error(NO_KEY);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function notice(message, where = "notice") {
  const node = $(where);
  node.textContent = message;
  node.hidden = !message;
}

// What the bot answered when we sent it something: say so only when it went wrong.
function reportBot(reply, where) {
  if (reply.error) notice(`The bot did not answer (${reply.error}).`, where);
  else if (reply.status && reply.status !== 200) notice(`The bot answered HTTP ${reply.status}.`, where);
  else notice("", where);
}

const ctx = {
  userName: (id) => app.workspace.users.find((u) => u.id === id)?.real_name,
  channelName: (id) => app.workspace.channels.find((c) => c.id === id)?.name,
  groupHandle: (id) => app.workspace.usergroups?.find((g) => g.id === id)?.handle,
};

function navButton(label, active, onClick) {
  const item = element("li");
  const button = element("button", "nav" + (active ? " active" : ""), label);
  button.type = "button";
  button.addEventListener("click", onClick);
  item.append(button);
  return item;
}

function renderSidebar() {
  const { channels, users } = app.workspace;
  $("channel-list").replaceChildren(...channels.filter((c) => !c.im_user).map((c) =>
    navButton("# " + c.name, app.view === "channel" && app.channel === c.id, () => openChannel(c.id))));
  $("dm-list").replaceChildren(...channels.filter((c) => c.im_user === app.user).map((c) =>
    navButton(app.workspace.bot.name, app.view === "channel" && app.channel === c.id, () => openChannel(c.id))));
  $("app-home-link").classList.toggle("active", app.view === "home");
  $("user-select").replaceChildren(...users.filter((u) => !u.is_bot).map((u) => {
    const option = element("option", null, u.real_name);
    option.value = u.id;
    option.selected = u.id === app.user;
    return option;
  }));
}

function showView(view, title, subtitle) {
  app.view = view;
  app.shown = "";
  $("channel-view").hidden = view !== "channel";
  $("home-view").hidden = view !== "home";
  $("title").textContent = title;
  $("subtitle").textContent = subtitle;
  renderSidebar();
  refresh();
}

function openChannel(id) {
  app.channel = id;
  const channel = app.workspace.channels.find((c) => c.id === id);
  const name = channel.im_user ? app.workspace.bot.name : "#" + channel.name;
  $("composer-input").placeholder = `Message ${name} — try /cost top project`;
  window.location.hash = id;
  notice("");
  const about = channel.im_user ? "Direct message" : channel.is_member ? "" : `${app.workspace.bot.name} is not a member`;
  showView("channel", name, about);
}

async function openHome() {
  window.location.hash = "home";
  showView("home", app.workspace.bot.name, "Home");
  try {
    reportBot(await api("/sandbox/api/home/open", { user: app.user }), "home-notice");
  } catch (error) {
    notice(error.message, "home-notice");
  }
  refresh();
}

// A click: a button with a confirm object asks first, and is only sent once confirmed.
async function sendAction(target) {
  const where = app.view === "home" ? "home-notice" : "notice";
  try {
    let reply = await api("/sandbox/api/action", { ...target, user: app.user });
    if (reply.confirm) {
      if (!(await Confirm.ask(reply.confirm))) return;
      reply = await api("/sandbox/api/action", { ...target, user: app.user, confirmed: true });
    }
    reportBot(reply, where);
  } catch (error) {
    notice(error.message, where);
  }
  refresh();
  refreshModal();
}

// The open modal of the acting user, polled like messages: drawn anew only when the bot
// opened, updated or pushed a view (so typed values survive), its errors shown in place.
const modalCtx = {
  ...ctx,
  channels: () => app.workspace.channels,
  users: () => app.workspace.users,
  onAction: (blockId, spec) => sendAction({ view: "modal", block_id: blockId, action_id: spec.action_id,
    values: app.modal.handle?.collect() }),
  onSubmit: () => modalCall("/sandbox/api/modal/submit", { values: app.modal.handle.collect() }),
  onClose: () => modalCall("/sandbox/api/modal/close", {}),
};

async function modalCall(path, body) {
  try {
    await api(path, { ...body, user: app.user });
  } catch (error) {
    app.modal.handle?.showErrors({}, error.message);
    return;
  }
  await refreshModal();
}

async function refreshModal() {
  const data = await api(`/sandbox/api/modal?user=${encodeURIComponent(app.user)}`);
  const key = data.view ? `${app.user} ${data.view.id} ${data.view.hash}` : "";
  if (key !== app.modal.key) {
    app.modal.handle?.node.remove();
    app.modal = { key, handle: data.view ? Modal.render(data.view, modalCtx) : null };
    if (app.modal.handle) document.body.append(app.modal.handle.node);
  }
  app.modal.handle?.showErrors(data.errors, data.notice);
}

function renderFile(file) {
  if (file.mimetype?.startsWith("image/") && file.src) {
    const img = element("img", "file-image");
    img.src = file.src;
    img.alt = file.alt_txt || file.title || file.name;
    return img;
  }
  const link = element("a", "file-link", "📎 " + (file.title || file.name));
  link.href = file.src || "#";
  link.download = file.name;
  return link;
}

function renderMessage(message) {
  const item = element("li", "message" + (message.ephemeral ? " ephemeral" : ""));
  item.append(element("div", "avatar", (message.user_name || "?").slice(0, 1).toUpperCase()));
  const main = element("div", "message-main");
  const head = element("div", "message-head");
  head.append(element("strong", null, message.user_name));
  if (message.is_bot) head.append(element("span", "badge", "APP"));
  const when = new Date(parseFloat(message.ts) * 1000);
  head.append(element("span", "time", when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
  if (message.edited) head.append(element("span", "time", "(edited)"));
  if (message.thread_ts && message.thread_ts !== message.ts) head.append(element("span", "time", "↳ in thread"));
  main.append(head);
  const body = element("div", "message-body");
  const onAction = (blockId, spec) =>
    sendAction({ channel: app.channel, ts: message.ts, block_id: blockId, action_id: spec.action_id });
  if (message.blocks?.length) body.append(BlockKit.render(message.blocks, { ...ctx, onAction }));
  else body.append(Mrkdwn.render(message.text, ctx));
  for (const file of message.files || []) body.append(renderFile(file));
  main.append(body);
  if (message.ephemeral) main.append(element("div", "ephemeral-note", "Only visible to you"));
  item.append(main);
  return item;
}

function renderMessages(messages) {
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  list.replaceChildren(...messages.map(renderMessage));
  if (!messages.length) list.append(element("li", "empty", "No messages yet. Try /cost top project"));
  if (!atBottom) return;
  const toBottom = () => { list.scrollTop = list.scrollHeight; };
  toBottom();
  for (const img of list.querySelectorAll("img")) img.addEventListener("load", toBottom, { once: true });
}

function renderHome(view) {
  const home = $("home-blocks");
  if (!view) {
    home.replaceChildren(element("p", "empty", "The bot has not published a Home tab for you yet."));
    return;
  }
  const onAction = (blockId, spec) => sendAction({ view: "home", block_id: blockId, action_id: spec.action_id });
  home.replaceChildren(BlockKit.render(view.blocks, { ...ctx, onAction }));
}

async function refresh() {
  const user = encodeURIComponent(app.user);
  const asked = `${app.view} ${app.channel} ${app.user}`;
  const stale = () => asked !== `${app.view} ${app.channel} ${app.user}`;  // switched meanwhile
  if (app.view === "channel" && app.channel) {
    const data = await api(`/sandbox/api/messages?channel=${encodeURIComponent(app.channel)}&user=${user}`);
    if (stale()) return;
    const key = JSON.stringify(data.messages);
    if (key !== app.shown) {
      app.shown = key;
      renderMessages(data.messages);
    }
  } else if (app.view === "home") {
    const data = await api(`/sandbox/api/home?user=${user}`);
    if (stale()) return;
    const key = JSON.stringify(data.view);
    if (key !== app.shown) {
      app.shown = key;
      renderHome(data.view);
    }
  }
}

async function submit(event) {
  event.preventDefault();
  const input = $("composer-input");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  try {
    reportBot(await api("/sandbox/api/command", { channel: app.channel, text, user: app.user }));
  } catch (error) {
    notice(error.message);
  }
  refresh();
  refreshModal();
}

// The 429 switch: the next few Web API calls answer "ratelimited" with Retry-After, so the
// bot's own retry path (slack_sdk's RateLimitErrorRetryHandler, the outbox) runs for real.
async function rateLimit() {
  try {
    showRateLimits(await api("/sandbox/api/rate-limit", { method: "*", count: 3, retry_after: 2 }));
  } catch (error) {
    notice(error.message);
  }
}

function showRateLimits(data) {
  const pending = Object.values(data.pending || {}).reduce((a, b) => a + b, 0);
  $("rate-limit-status").textContent = pending ? `${pending} call(s) will get 429` : "";
}

async function start() {
  app.workspace = await api("/sandbox/api/workspace");
  app.user = app.workspace.sandbox_user;
  $("team-name").textContent = app.workspace.team.name;
  $("composer").addEventListener("submit", submit);
  $("app-home-link").addEventListener("click", openHome);
  $("rate-limit-button").addEventListener("click", rateLimit);
  $("user-select").addEventListener("change", (event) => {
    app.user = event.target.value;
    app.view === "home" ? openHome() : openChannel(app.channel);
  });
  const wanted = window.location.hash.slice(1);
  const first = app.workspace.channels.find((c) => c.id === wanted) || app.workspace.channels[0];
  openChannel(first.id);
  if (wanted === "home") openHome();
  setInterval(async () => {
    try {
      const workspace = await api("/sandbox/api/workspace");  // DMs appear when the bot opens one
      if (JSON.stringify(workspace.channels) !== JSON.stringify(app.workspace.channels)) {
        app.workspace = workspace;
        renderSidebar();
      }
      await refresh();
      await refreshModal();
      showRateLimits(await api("/sandbox/api/rate-limit"));
    } catch (error) {
      notice(`Sandbox unreachable: ${error.message}`);
    }
  }, 1000);
}

start().catch((error) => notice(error.message));
