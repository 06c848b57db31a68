"use strict";
// Modals and confirm dialogs, drawn over the page as the Slack client draws them.
// Modal.render(view, ctx) -> { node, collect(), showErrors(errors, notice) }: collect() gives
// {block_id: {action_id: raw}} (text, an option value, a list of values, a channel or user id),
// which the server turns into Slack's view.state.values. Confirm.ask(confirm) -> Promise<bool>.
const Modal = (() => {
  const { element } = Mrkdwn;
  const plain = (obj) => Mrkdwn.emojify(obj?.text ?? "");

  function choice(value, label, selected) {
    const node = element("option", null, label);
    node.value = value;
    node.selected = selected;
    return node;
  }

  // A <select> of the given [value, label] pairs, with an empty first entry unless multiple.
  function select(pairs, chosen, spec, multiple = false) {
    const node = element("select", "modal-select");
    node.multiple = multiple;
    if (!multiple) node.append(choice("", plain(spec.placeholder) || "Select an item", !chosen.length));
    for (const [value, label] of pairs) node.append(choice(value, label, chosen.includes(value)));
    return { node, read: () => multiple ? [...node.selectedOptions].map((o) => o.value) : node.value || null };
  }

  function choices(spec, name, multiple) {
    const node = element("div", "modal-choices");
    const initial = multiple ? (spec.initial_options || []).map((o) => o.value) : [spec.initial_option?.value];
    const boxes = (spec.options || []).map((opt) => {
      const label = element("label", "modal-choice");
      const box = element("input");
      box.type = multiple ? "checkbox" : "radio";
      box.name = name;
      box.value = opt.value;
      box.checked = initial.includes(opt.value);
      label.append(box, document.createTextNode(" "), opt.text?.type === "mrkdwn" ? Mrkdwn.render(opt.text.text) : plain(opt.text));
      node.append(label);
      return box;
    });
    const picked = () => boxes.filter((b) => b.checked).map((b) => b.value);
    return { node, read: () => multiple ? picked() : picked()[0] ?? null };
  }

  // One input element: its DOM node and how to read what the person entered.
  function field(spec, blockId, ctx) {
    const channels = ctx.channels().filter((c) => !c.im_user);
    const people = ctx.users().filter((u) => !u.is_bot);
    switch (spec.type) {
      case "plain_text_input":
      case "number_input":
      case "email_text_input":
      case "url_text_input": {
        const node = element(spec.multiline ? "textarea" : "input", "modal-text");
        if (!spec.multiline) node.type = "text";
        if (spec.type === "number_input") node.inputMode = spec.is_decimal_allowed ? "decimal" : "numeric";
        node.value = spec.initial_value ?? "";
        node.placeholder = plain(spec.placeholder);
        return { node, read: () => node.value };
      }
      case "static_select":
      case "multi_static_select": {
        const opts = [...(spec.options || []), ...(spec.option_groups || []).flatMap((g) => g.options)];
        const multiple = spec.type === "multi_static_select";
        const chosen = multiple ? (spec.initial_options || []).map((o) => o.value) : [spec.initial_option?.value].filter(Boolean);
        return select(opts.map((o) => [o.value, plain(o.text)]), chosen, spec, multiple);
      }
      case "radio_buttons": return choices(spec, blockId, false);
      case "checkboxes": return choices(spec, blockId, true);
      case "conversations_select":
      case "channels_select": {
        const initial = spec.initial_conversation ?? spec.initial_channel;
        return select(channels.map((c) => [c.id, "# " + c.name]), [initial].filter(Boolean), spec);
      }
      case "multi_conversations_select":
      case "multi_channels_select": {
        const initial = spec.initial_conversations ?? spec.initial_channels ?? [];
        return select(channels.map((c) => [c.id, "# " + c.name]), initial, spec, true);
      }
      case "users_select":
        return select(people.map((u) => [u.id, u.real_name]), [spec.initial_user].filter(Boolean), spec);
      case "multi_users_select":
        return select(people.map((u) => [u.id, u.real_name]), spec.initial_users || [], spec, true);
      default:
        return { node: element("span", "bk-unsupported", `[${spec.type}]`), read: () => undefined };
    }
  }

  function render(view, ctx) {
    const overlay = element("div", "modal-layer");
    const dialog = element("div", "modal");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-label", plain(view.title));
    const head = element("header", "modal-head");
    head.append(element("h2", null, plain(view.title)));
    const notice = element("p", "notice modal-notice");
    notice.hidden = true;
    const body = element("div", "modal-body");
    const readers = [];
    const errorNodes = {};
    for (const block of view.blocks || []) {
      if (block.type !== "input") {
        body.append(BlockKit.render([block], ctx));
        continue;
      }
      const wrap = element("div", "modal-input");
      const label = element("label", "modal-label", plain(block.label));
      if (block.optional) label.append(element("span", "modal-optional", " (optional)"));
      const input = field(block.element, block.block_id, ctx);
      readers.push([block.block_id, block.element.action_id, input.read]);
      wrap.append(label, input.node);
      if (block.hint) wrap.append(element("div", "modal-hint", plain(block.hint)));
      const error = element("div", "modal-error");
      error.hidden = true;
      errorNodes[block.block_id] = error;
      wrap.append(error);
      body.append(wrap);
    }
    const foot = element("footer", "modal-foot");
    const close = element("button", "bk-button modal-close", plain(view.close) || "Cancel");
    close.type = "button";
    close.addEventListener("click", () => ctx.onClose());
    foot.append(close);
    if (view.submit) {
      const submit = element("button", "bk-button bk-primary modal-submit", plain(view.submit));
      submit.type = "button";
      submit.addEventListener("click", () => ctx.onSubmit());
      foot.append(submit);
    }
    dialog.append(head, notice, body, foot);
    overlay.append(dialog);

    function collect() {
      const values = {};
      for (const [blockId, actionId, read] of readers) {
        const raw = read();
        if (raw !== undefined) (values[blockId] ||= {})[actionId] = raw;
      }
      return values;
    }
    function showErrors(errors, message) {
      for (const [blockId, node] of Object.entries(errorNodes)) {
        node.textContent = errors?.[blockId] || "";
        node.hidden = !errors?.[blockId];
      }
      notice.textContent = message || "";
      notice.hidden = !message;
    }
    return { node: overlay, collect, showErrors };
  }

  return { render };
})();

const Confirm = (() => {
  const { element } = Mrkdwn;
  const plain = (obj) => Mrkdwn.emojify(obj?.text ?? "");

  // Slack's confirmation dialog: resolves true on its confirm button, false on deny.
  function ask(confirm) {
    return new Promise((resolve) => {
      const overlay = element("div", "modal-layer confirm-layer");
      const dialog = element("div", "modal confirm");
      dialog.setAttribute("role", "alertdialog");
      dialog.setAttribute("aria-label", plain(confirm.title));
      dialog.append(element("h2", null, plain(confirm.title)));
      const text = element("div", "modal-body");
      text.append(confirm.text?.type === "mrkdwn" ? Mrkdwn.render(confirm.text.text) : document.createTextNode(plain(confirm.text)));
      const foot = element("footer", "modal-foot");
      const deny = element("button", "bk-button", plain(confirm.deny) || "Cancel");
      const yes = element("button", "bk-button " + (confirm.style === "danger" ? "bk-danger-solid" : "bk-primary"),
        plain(confirm.confirm) || "Yes");
      for (const [button, answer] of [[deny, false], [yes, true]]) {
        button.type = "button";
        button.addEventListener("click", () => { overlay.remove(); resolve(answer); });
      }
      foot.append(deny, yes);
      dialog.append(text, foot);
      overlay.append(dialog);
      document.body.append(overlay);
      yes.focus();
    });
  }

  return { ask };
})();
