"use strict";
// Block Kit -> DOM: header, section (text, fields, accessory), context, divider, image,
// actions (buttons), markdown and a plain fallback for rich_text. ctx.onAction(blockId, element)
// is called when a button is clicked.
const BlockKit = (() => {
  const { element, emojify, safeUrl } = Mrkdwn;

  function text(obj, ctx) {
    if (!obj) return document.createTextNode("");
    if (obj.type === "mrkdwn") return Mrkdwn.render(obj.text, ctx);
    return document.createTextNode(emojify(obj.text));
  }

  // An image block or element: image_url, or an uploaded file (slack_file by id or url).
  function image(spec, className) {
    const alt = spec.alt_text;
    const fileId = spec.slack_file?.id;
    const src = fileId ? `/sandbox/files/${encodeURIComponent(fileId)}`
      : safeUrl(spec.slack_file?.url ?? spec.image_url);
    if (!src) return element("span", "bk-unsupported", `[image: ${alt || "unsafe URL"}]`);
    const img = element("img", className);
    img.src = src;
    img.alt = alt || "";
    img.loading = "lazy";
    return img;
  }

  function button(spec, block, ctx) {
    const node = element("button", "bk-button" + (spec.style ? ` bk-${spec.style}` : ""));
    node.type = "button";
    node.append(text(spec.text, ctx));
    node.addEventListener("click", () => {
      const url = spec.url && safeUrl(spec.url);
      if (url) window.open(url, "_blank", "noopener");
      ctx.onAction?.(block.block_id, spec);
    });
    return node;
  }

  function interactive(spec, block, ctx) {
    if (spec.type === "button") return button(spec, block, ctx);
    if (spec.type === "image") return image(spec, "bk-thumb");
    return element("span", "bk-unsupported", `[${spec.type}]`);
  }

  function plainText(node) {  // rich_text: keep the words, drop the styling
    if (!node || typeof node !== "object") return "";
    if (typeof node.text === "string") return node.text;
    if (node.type === "user") return "@" + node.user_id;
    if (node.type === "link") return node.url;
    const joiner = node.type === "rich_text_list" ? "\n" : "";
    return (node.elements || []).map(plainText).join(joiner);
  }

  const RENDER = {
    header(block) {
      const node = element("h3", "bk-header");
      node.append(text(block.text));
      return node;
    },
    section(block, ctx) {
      const node = element("div", "bk-section");
      const body = element("div", "bk-section-body");
      if (block.text) {
        const main = element("div", "bk-text");
        main.append(text(block.text, ctx));
        body.append(main);
      }
      if (block.fields) {
        const grid = element("div", "bk-fields");
        for (const field of block.fields) {
          const cell = element("div", "bk-field");
          cell.append(text(field, ctx));
          grid.append(cell);
        }
        body.append(grid);
      }
      node.append(body);
      if (block.accessory) node.append(interactive(block.accessory, block, ctx));
      return node;
    },
    context(block, ctx) {
      const node = element("div", "bk-context");
      for (const item of block.elements || []) {
        const part = element("span", "bk-context-item");
        part.append(item.type === "image" ? image(item, "bk-icon") : text(item, ctx));
        node.append(part);
      }
      return node;
    },
    divider: () => element("hr", "bk-divider"),
    image(block) {
      const node = element("figure", "bk-image");
      if (block.title) node.append(element("figcaption", null, emojify(block.title.text)));
      node.append(image(block));
      return node;
    },
    actions(block, ctx) {
      const node = element("div", "bk-actions");
      for (const spec of block.elements || []) node.append(interactive(spec, block, ctx));
      return node;
    },
    markdown(block, ctx) {
      const node = element("div", "bk-text");
      node.append(Mrkdwn.render(block.text, ctx));
      return node;
    },
    rich_text(block) {
      const node = element("div", "bk-text bk-rich");
      node.textContent = plainText(block);
      return node;
    },
  };

  function render(blocks, ctx = {}) {
    const fragment = document.createDocumentFragment();
    for (const block of blocks || []) {
      const draw = RENDER[block.type];
      fragment.append(draw ? draw(block, ctx) : element("div", "bk-unsupported", `[${block.type} block]`));
    }
    return fragment;
  }

  return { render };
})();
