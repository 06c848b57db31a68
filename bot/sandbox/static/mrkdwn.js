"use strict";
// Slack mrkdwn -> DOM nodes. No HTML strings are ever built: text goes in as text nodes,
// and links keep only http(s) and mailto URLs.
const Mrkdwn = (() => {
  const EMOJI = {
    moneybag: "💰", money_with_wings: "💸", chart_with_upwards_trend: "📈",
    chart_with_downwards_trend: "📉", bar_chart: "📊", warning: "⚠️", rotating_light: "🚨",
    white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", no_entry: "⛔", bulb: "💡",
    fire: "🔥", zzz: "💤", hourglass: "⌛", stopwatch: "⏱️", calendar: "📅", wave: "👋",
    tada: "🎉", robot_face: "🤖", gear: "⚙️", point_right: "👉", information_source: "ℹ️",
    red_circle: "🔴", large_green_circle: "🟢", large_yellow_circle: "🟡",
    small_red_triangle: "🔺", small_red_triangle_down: "🔻", arrow_up: "⬆️", arrow_down: "⬇️",
  };
  // `code` | <link> | *bold* | _italic_ | ~strike~  (markers must hug the text, as in Slack)
  const INLINE = new RegExp([
    "(`[^`\\n]+`)",
    "(<[^<>\\n]+>)",
    "((?<![\\w*])\\*(?=\\S)[^*\\n]*?\\S\\*(?![\\w*]))",
    "((?<![\\w_])_(?=\\S)[^_\\n]*?\\S_(?![\\w_]))",
    "((?<![\\w~])~(?=\\S)[^~\\n]*?\\S~(?![\\w~]))",
  ].join("|"), "g");

  const decode = (text) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  const emojify = (text) => String(text ?? "").replace(/:([a-z0-9_+-]+):/g, (m, n) => EMOJI[n] || m);
  const textNode = (text) => document.createTextNode(emojify(decode(text)));

  // An absolute http(s)/mailto URL, or null; relative URLs only when allowRelative.
  function safeUrl(url, allowRelative = false) {
    try {
      const parsed = allowRelative ? new URL(url, window.location.href) : new URL(url);
      return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
    } catch {
      return null;
    }
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // <https://x|label>, <@U123>, <#C123|name>, <!here>, <!date^...|fallback>
  function angle(inner, ctx) {
    const bar = inner.indexOf("|");
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? "" : decode(inner.slice(bar + 1));
    if (target.startsWith("@")) {
      return element("span", "mention", "@" + (label || ctx.userName?.(target.slice(1)) || target.slice(1)));
    }
    if (target.startsWith("#")) {
      return element("span", "mention", "#" + (label || ctx.channelName?.(target.slice(1)) || target.slice(1)));
    }
    if (target.startsWith("!subteam^")) {  // <!subteam^S123> names a user group
      const id = target.slice("!subteam^".length);
      return element("span", "mention", "@" + (ctx.groupHandle?.(id) || label.replace(/^@/, "") || id));
    }
    if (target.startsWith("!")) {
      const word = target.slice(1).split("^")[0];
      const special = ["here", "channel", "everyone"].includes(word) ? "@" + word : label;
      return element("span", "mention", special || word);
    }
    const url = safeUrl(decode(target));
    if (!url) return document.createTextNode(decode(`<${inner}>`));  // not a link: show as typed
    const link = element("a", null, label || decode(target));
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }

  function inline(text, parent, ctx) {
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      if (match.index > last) parent.append(textNode(text.slice(last, match.index)));
      const token = match[0];
      const inner = token.slice(1, -1);
      if (match[1]) parent.append(element("code", null, decode(inner)));
      else if (match[2]) parent.append(angle(inner, ctx));
      else {
        const styled = element(match[3] ? "strong" : match[4] ? "em" : "s");
        inline(inner, styled, ctx);
        parent.append(styled);
      }
      last = match.index + token.length;
    }
    if (last < text.length) parent.append(textNode(text.slice(last)));
  }

  // Lines, "> " quotes and ``` code blocks; everything else is inline.
  function render(text, ctx = {}) {
    const fragment = document.createDocumentFragment();
    String(text ?? "").split("```").forEach((part, i) => {
      if (i % 2 === 1) {
        fragment.append(element("pre", null, decode(part.replace(/^\n/, ""))));
        return;
      }
      let target = fragment;
      let first = true;
      for (const line of part.split("\n")) {
        const quoted = line.match(/^(?:&gt;|>)\s?(.*)$/);
        if (quoted && target === fragment) {
          target = element("blockquote");
          fragment.append(target);
          first = true;
        } else if (!quoted && target !== fragment) {
          target = fragment;
          first = true;
        }
        if (!first) target.append(element("br"));
        inline(quoted ? quoted[1] : line, target, ctx);
        first = false;
      }
    });
    return fragment;
  }

  return { render, emojify, safeUrl, element };
})();
